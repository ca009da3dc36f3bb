import { useId, useState } from 'react';
import { Dialog } from '../../../ui/dialog';
import { FormError, Spinner } from '../../../ui/states';
import { useRotateIdentitySecret } from '../channels.api';
import { CopyableCode, CopyableValue } from './copy-button';

const hashSample = `import { createHmac } from 'node:crypto';

// On your server only: the secret must never reach the browser.
const userHash = createHmac('sha256', process.env.COMPANERO_WIDGET_SECRET)
  .update(String(user.id))
  .digest('hex');`;

/** The embed code with the two attributes a signed-in page adds, or the attributes alone. */
export const signedEmbedCode = (embedCode: string): string => {
  const attributes = 'data-user-id="USER_ID" data-user-hash="USER_HASH"';
  const opening = /(<script\b[^>]*?)(\s*\/?>)/i;
  return opening.test(embedCode) ? embedCode.replace(opening, `$1 ${attributes}$2`) : attributes;
};

/**
 * Lets the creator's site vouch for its signed-in users: their server signs the user's id with the identity
 * secret, and the widget sends the id with the signature. A new secret is shown once, here, and never again.
 */
export const IdentityVerification = ({
  isOn,
  embedCode,
  canManage,
  disabledHint,
}: {
  isOn: boolean;
  embedCode: string;
  canManage: boolean;
  disabledHint: string;
}) => {
  const id = useId();
  const rotate = useRotateIdentitySecret();
  const [secret, setSecret] = useState<string | null>(null);
  const [isConfirming, setIsConfirming] = useState(false);
  const createSecret = () =>
    rotate.mutate(undefined, {
      onSuccess: (result) => {
        setIsConfirming(false);
        setSecret(result.secret);
      },
    });

  return (
    <section className="identity" aria-labelledby={`${id}-title`}>
      <div className="identity__head">
        <h3 className="card__subtitle" id={`${id}-title`}>
          Identity verification
        </h3>
        <span className={`badge badge--status badge--${isOn ? 'ready' : 'queued'}`}>
          {isOn ? 'On' : 'Off'}
        </span>
      </div>
      <p className="muted">
        When a visitor is signed in to your site, the widget can continue their conversation as the same
        member on every device. Your server signs the user’s id with a secret only it and Compañero know, so
        nobody can pretend to be someone else by changing the id in the page.
      </p>
      <ol className="setup-steps">
        <li>
          {isOn ? 'Store the secret (shown once, when it was created)' : 'Create a secret below and store it'}{' '}
          in your site’s server configuration, for example as <code>COMPANERO_WIDGET_SECRET</code>.
        </li>
        <li>
          For each signed-in user, compute the hex HMAC-SHA256 of their id with that secret, on your server:
          <CopyableCode code={hashSample} label="hash sample code" />
        </li>
        <li>
          Add both to the embed code: <code>data-user-id</code> is your user’s id and{' '}
          <code>data-user-hash</code> the hash computed for that same id. Pages for visitors who are not
          signed in keep the plain embed code.
          <CopyableCode code={signedEmbedCode(embedCode)} label="embed code for signed-in users" />
        </li>
      </ol>

      {secret ? (
        <section className="secret-once" aria-labelledby={`${id}-secret-title`}>
          <h4 className="secret-once__title" id={`${id}-secret-title`}>
            Your new identity secret
          </h4>
          <p>
            Copy it now: this is the only time it is shown. If it is lost, create a new one (the old one then
            stops working).
          </p>
          <CopyableValue value={secret} label="identity secret" />
          <div className="card__actions card__actions--start">
            <button type="button" className="button" onClick={() => setSecret(null)}>
              I have stored it
            </button>
          </div>
        </section>
      ) : null}

      {!isConfirming ? <FormError error={rotate.error} /> : null}
      {!canManage ? <p className="field__hint">{disabledHint}</p> : null}
      <div className="card__actions card__actions--start">
        <button
          type="button"
          className={isOn ? 'button' : 'button button--primary'}
          disabled={!canManage || rotate.isPending}
          onClick={() => (isOn ? setIsConfirming(true) : createSecret())}
        >
          {rotate.isPending && !isConfirming ? <Spinner /> : null}
          {isOn ? 'Rotate secret' : 'Create a secret'}
        </button>
      </div>

      <Dialog
        isOpen={isConfirming}
        onClose={() => {
          setIsConfirming(false);
          rotate.reset();
        }}
        tone="danger"
        title="Rotate the identity secret?"
        footer={
          <>
            <button type="button" className="button" onClick={() => setIsConfirming(false)}>
              Cancel
            </button>
            <button
              type="button"
              className="button button--danger"
              disabled={rotate.isPending}
              onClick={createSecret}
            >
              {rotate.isPending ? <Spinner /> : null}
              Rotate secret
            </button>
          </>
        }
      >
        <p>
          The current secret stops working at once: signed-in visitors are not recognised until your server
          signs with the new one. Rotate when the secret may have leaked, and update your server right after.
        </p>
        <FormError error={rotate.error} />
      </Dialog>
    </section>
  );
};
