import type { TProgramNodeType } from '@companero/contracts/creator-hub/programs';
import type { CSSProperties, DragEvent } from 'react';
import { paletteStepTypes, stepKinds } from '../program-steps';

/** The drag payload's type: only drops from this palette add steps. */
export const stepDragType = 'application/x-companero-step';

/**
 * The kinds of step, to drag onto the canvas (dropped where the pointer is) or to press (added in view, for
 * keyboard users and anyone who prefers it).
 */
export const StepPalette = ({
  onAdd,
  isDisabled,
}: {
  onAdd: (type: TProgramNodeType) => void;
  isDisabled?: boolean;
}) => {
  const onDragStart = (event: DragEvent<HTMLButtonElement>, type: TProgramNodeType) => {
    event.dataTransfer.setData(stepDragType, type);
    event.dataTransfer.setData('text/plain', stepKinds[type].label);
    event.dataTransfer.effectAllowed = 'copy';
  };
  return (
    <section className="step-palette" aria-labelledby="step-palette-title">
      <h2 id="step-palette-title" className="step-palette__title">
        Steps
      </h2>
      <p className="step-palette__hint" id="step-palette-hint">
        Drag a step onto the canvas, or press it to add it in view.
      </p>
      <ul className="step-palette__list">
        {paletteStepTypes.map((type) => (
          <li key={type}>
            <button
              type="button"
              className="step-palette__item"
              style={{ '--step-accent': stepKinds[type].accent } as CSSProperties}
              draggable={!isDisabled}
              disabled={isDisabled}
              onDragStart={(event) => onDragStart(event, type)}
              onClick={() => onAdd(type)}
              aria-describedby="step-palette-hint"
              title={stepKinds[type].description}
              data-step-type={type}
            >
              <span className="step-palette__swatch" aria-hidden="true" />
              <span className="step-palette__label">
                <span className="visually-hidden">Add </span>
                {stepKinds[type].label}
                <span className="visually-hidden"> step</span>
              </span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
};
