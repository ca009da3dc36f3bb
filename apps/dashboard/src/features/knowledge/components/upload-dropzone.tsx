import { type DragEvent, useId, useRef, useState } from 'react';
import { Icon } from '../../../ui/icons';
import { acceptedFileTypes, acceptedKindsText } from '../knowledge.api';

const hasFiles = (event: DragEvent) => [...event.dataTransfer.types].includes('Files');

/** Drop files here, or choose them with the button; several at once either way. */
export const UploadDropzone = ({
  onFiles,
  folderName,
  isDisabled,
  disabledHint,
}: {
  onFiles: (files: File[]) => void;
  folderName: string | null;
  isDisabled: boolean;
  disabledHint: string;
}) => {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  // dragenter and dragleave fire for every child crossed: count them to know when the pointer really left.
  const depth = useRef(0);
  const [isOver, setIsOver] = useState(false);

  const leave = () => {
    depth.current = 0;
    setIsOver(false);
  };

  return (
    // Dropping is the pointer shortcut; the button is the way for keyboards and screen readers.
    <section
      className={`dropzone${isOver ? ' dropzone--over' : ''}${isDisabled ? ' dropzone--disabled' : ''}`}
      aria-labelledby={`${id}-title`}
      onDragEnter={(event) => {
        if (isDisabled || !hasFiles(event)) return;
        event.preventDefault();
        depth.current += 1;
        setIsOver(true);
      }}
      onDragOver={(event) => {
        if (isDisabled || !hasFiles(event)) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = 'copy';
      }}
      onDragLeave={() => {
        depth.current -= 1;
        if (depth.current <= 0) leave();
      }}
      onDrop={(event) => {
        if (isDisabled) return;
        event.preventDefault();
        leave();
        const files = [...event.dataTransfer.files];
        if (files.length > 0) onFiles(files);
      }}
    >
      <span className="dropzone__icon">
        <Icon name="upload" size={22} />
      </span>
      <div className="dropzone__text">
        <h2 className="dropzone__title" id={`${id}-title`}>
          {isOver ? 'Drop to upload' : 'Drag files here to add them to your knowledge'}
        </h2>
        <p className="dropzone__hint">
          {acceptedKindsText}; several at once.
          {folderName ? (
            <>
              {' '}
              They go into <strong>{folderName}</strong>.
            </>
          ) : null}
        </p>
        {isDisabled ? <p className="field__hint">{disabledHint}</p> : null}
      </div>
      <button
        type="button"
        className="button button--primary"
        disabled={isDisabled}
        onClick={() => input.current?.click()}
      >
        <Icon name="upload" /> Choose files
      </button>
      <input
        ref={input}
        type="file"
        multiple
        hidden
        accept={acceptedFileTypes}
        aria-label="Files to upload"
        disabled={isDisabled}
        onChange={(event) => {
          const files = [...(event.target.files ?? [])];
          // Cleared so choosing the same file again (after fixing it) fires a change.
          event.target.value = '';
          if (files.length > 0) onFiles(files);
        }}
      />
    </section>
  );
};
