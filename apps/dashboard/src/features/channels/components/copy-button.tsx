import { useEffect, useState } from 'react';
import { useToast } from '../../../ui/toaster';

const copyText = async (text: string): Promise<boolean> => {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No clipboard permission (or an insecure origin): the text stays selectable on the page.
    return false;
  }
};

/** Copies `text` and says so for a moment; `label` names what is copied ("webhook URL") for screen readers. */
export const CopyButton = ({
  text,
  label,
  className,
}: {
  text: string;
  label: string;
  className?: string;
}) => {
  const [state, setState] = useState<'idle' | 'copied'>('idle');
  const notify = useToast();
  useEffect(() => {
    if (state !== 'copied') return;
    const timer = setTimeout(() => setState('idle'), 2000);
    return () => clearTimeout(timer);
  }, [state]);
  return (
    <>
      <button
        type="button"
        className={['button button--compact', className].filter(Boolean).join(' ')}
        aria-label={`${state === 'copied' ? 'Copied' : 'Copy'} ${label}`}
        onClick={async () => {
          if (await copyText(text)) setState('copied');
          else notify('Copying was not allowed here. Select the text and copy it yourself.', 'error');
        }}
      >
        {state === 'copied' ? 'Copied' : 'Copy'}
      </button>
      <span className="visually-hidden" aria-live="polite">
        {state === 'copied' ? `${label} copied` : ''}
      </span>
    </>
  );
};

/** A read-only value (a URL, a secret shown once) with its copy button. */
export const CopyableValue = ({ value, label }: { value: string; label: string }) => (
  <div className="copyable">
    <code className="copyable__value">{value}</code>
    <CopyButton text={value} label={label} />
  </div>
);

/** A block of code (the embed snippet, a sample) with its copy button. */
export const CopyableCode = ({ code, label }: { code: string; label: string }) => (
  <div className="code-block">
    <pre className="code-block__code">
      <code>{code}</code>
    </pre>
    <CopyButton text={code} label={label} className="code-block__copy" />
  </div>
);
