/**
 * A determinate progress bar (0..1) with its label and a readable value ("1.2 MB of 3.4 MB", "40 %") for
 * assistive technology and for the eye; `value` null draws an indeterminate bar (waiting, size unknown).
 */
export const ProgressBar = ({
  value,
  label,
  valueText,
  tone = 'primary',
}: {
  value: number | null;
  label: string;
  valueText?: string;
  tone?: 'primary' | 'success' | 'danger';
}) => {
  const percent = value === null ? null : Math.round(Math.min(1, Math.max(0, value)) * 100);
  return (
    <div
      className={`progress progress--${tone}${percent === null ? ' progress--indeterminate' : ''}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent ?? undefined}
      aria-valuetext={valueText ?? (percent === null ? undefined : `${percent}%`)}
    >
      <span className="progress__bar" style={percent === null ? undefined : { width: `${percent}%` }} />
    </div>
  );
};
