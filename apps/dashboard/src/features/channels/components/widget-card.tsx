import { useId } from 'react';
import { formatDateTime } from '../../../lib/date-format';
import type { TWidgetSettings } from '../channels.api';
import { CopyableCode } from './copy-button';
import { IdentityVerification } from './identity-verification';
import { WidgetSettingsForm } from './widget-settings-form';

/** The website widget: the code to embed, its look, where it may run, and signed-in visitors. */
export const WidgetCard = ({
  widget,
  canManage,
  disabledHint,
}: {
  widget: TWidgetSettings;
  canManage: boolean;
  disabledHint: string;
}) => {
  const id = useId();
  return (
    <section className="card channel-card" aria-labelledby={`${id}-title`}>
      <header className="card__header">
        <div>
          <h2 className="card__title" id={`${id}-title`}>
            Website widget
          </h2>
          <p className="card__description">
            A chat bubble on your own site: visitors talk to your coach without leaving the page.
          </p>
        </div>
        <span className="muted channel-card__meta">
          {widget.updatedAt ? `Last changed ${formatDateTime(widget.updatedAt)}` : 'Default settings'}
        </span>
      </header>

      <div className="channel-card__section">
        <h3 className="card__subtitle">Embed code</h3>
        <p className="muted">
          Paste it before <code>&lt;/body&gt;</code> on every page that should show the chat. Add the site’s
          origin to the allowed origins below, or the widget stays closed there.
        </p>
        <CopyableCode code={widget.embedCode} label="embed code" />
      </div>

      <div className="channel-card__section">
        <WidgetSettingsForm widget={widget} canManage={canManage} disabledHint={disabledHint} />
      </div>

      <div className="channel-card__section">
        <IdentityVerification
          isOn={widget.identityVerification}
          embedCode={widget.embedCode}
          canManage={canManage}
          disabledHint={disabledHint}
        />
      </div>
    </section>
  );
};
