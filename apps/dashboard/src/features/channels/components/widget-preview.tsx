import type { CSSProperties } from 'react';
import { Icon } from '../../../ui/icons';
import type { TWidgetTheme } from '../channels.api';

export const isHexColor = (value: string) => /^#[0-9a-fA-F]{6}$/.test(value);

/** Dark text on light launcher colours, white on dark ones (WCAG relative luminance). */
export const textColorOn = (hex: string): string => {
  const channel = (offset: number) => {
    const value = Number.parseInt(hex.slice(offset, offset + 2), 16) / 255;
    return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  return luminance > 0.4 ? '#1b2031' : '#ffffff';
};

export const positionLabels: Record<TWidgetTheme['position'], string> = {
  'bottom-right': 'Bottom right',
  'bottom-left': 'Bottom left',
};

/**
 * A sketch of a web page with the widget open above its launcher, drawn from the form as it is typed: the
 * colour, the corner, the title, the avatar and the greeting.
 */
export const WidgetPreview = ({
  theme,
}: {
  theme: {
    primaryColor: string;
    position: TWidgetTheme['position'];
    title: string;
    greeting: string;
    avatarUrl: string;
  };
}) => {
  const color = isHexColor(theme.primaryColor) ? theme.primaryColor : '#4f46e5';
  const avatarUrl = /^https?:\/\/\S+$/i.test(theme.avatarUrl.trim()) ? theme.avatarUrl.trim() : null;
  const title = theme.title.trim() || 'Chat with your coach';
  return (
    <figure className="widget-preview">
      <div
        className={`widget-preview__page widget-preview__page--${theme.position}`}
        role="img"
        aria-label={`Preview: a ${color} launcher at the ${positionLabels[theme.position].toLowerCase()} of the page, titled “${title}”.`}
        style={{ '--widget-color': color, '--widget-text': textColorOn(color) } as CSSProperties}
      >
        <span className="widget-preview__line" />
        <span className="widget-preview__line widget-preview__line--short" />
        <span className="widget-preview__line" />
        <div className="widget-preview__panel">
          <div className="widget-preview__header">
            {avatarUrl ? (
              <img className="widget-preview__avatar" src={avatarUrl} alt="" referrerPolicy="no-referrer" />
            ) : (
              <span className="widget-preview__avatar widget-preview__avatar--initial">
                {title.slice(0, 1).toUpperCase()}
              </span>
            )}
            <span className="widget-preview__title">{title}</span>
          </div>
          {theme.greeting.trim() ? <p className="widget-preview__greeting">{theme.greeting.trim()}</p> : null}
        </div>
        <span className="widget-preview__launcher">
          <Icon name="chat" size={22} />
        </span>
      </div>
      <figcaption className="field__hint">
        Preview. The launcher sits in the {positionLabels[theme.position].toLowerCase()} corner of every page
        that embeds the widget.
      </figcaption>
    </figure>
  );
};
