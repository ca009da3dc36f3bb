import type { TImportReport } from '@companero/contracts/creator-hub/members';
import { type FormEvent, useId, useState } from 'react';
import { Dialog } from '../../../ui/dialog';
import { FormError, Spinner } from '../../../ui/states';
import { useImportMembers } from '../members.api';

const ImportReport = ({ report }: { report: TImportReport }) => (
  <div className="import-report" role="status">
    <p className="import-report__summary">
      <strong>{report.imported}</strong> new member{report.imported === 1 ? '' : 's'} imported,{' '}
      <strong>{report.updated}</strong> updated
      {report.rejected.length > 0 ? (
        <>
          , <strong>{report.rejected.length}</strong> row{report.rejected.length === 1 ? '' : 's'} skipped.
        </>
      ) : (
        '.'
      )}
    </p>
    {report.rejected.length > 0 ? (
      <>
        <p>
          Fix these rows in your file and import it again; rows already imported are updated, not duplicated.
        </p>
        <ul className="import-report__rejected">
          {report.rejected.slice(0, 50).map((row) => (
            <li key={`${row.row}-${row.reason}`}>
              <span className="import-report__row">Line {row.row}</span> {row.reason}
            </li>
          ))}
        </ul>
        {report.rejected.length > 50 ? <p>…and {report.rejected.length - 50} more.</p> : null}
      </>
    ) : null}
  </div>
);

/** Upload a CSV of members; the report says what was imported, updated or skipped and why. */
export const ImportMembersDialog = ({ isOpen, onClose }: { isOpen: boolean; onClose: () => void }) => {
  const id = useId();
  const [file, setFile] = useState<File | null>(null);
  const [missing, setMissing] = useState(false);
  const importMembers = useImportMembers();
  const close = () => {
    setFile(null);
    setMissing(false);
    importMembers.reset();
    onClose();
  };
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!file) {
      setMissing(true);
      return;
    }
    importMembers.mutate(file);
  };
  const report = importMembers.data;
  return (
    <Dialog
      isOpen={isOpen}
      onClose={close}
      title="Import members from CSV"
      footer={
        report ? (
          <button type="button" className="button button--primary" onClick={close}>
            Done
          </button>
        ) : (
          <>
            <button type="button" className="button" onClick={close}>
              Cancel
            </button>
            <button
              type="submit"
              form={`${id}-form`}
              className="button button--primary"
              disabled={importMembers.isPending}
            >
              {importMembers.isPending ? <Spinner /> : null}
              {importMembers.isPending ? 'Importing…' : 'Import'}
            </button>
          </>
        )
      }
    >
      {report ? (
        <ImportReport report={report} />
      ) : (
        <form id={`${id}-form`} className="form" onSubmit={onSubmit} noValidate>
          <p>
            The first row must be a header. Known columns are <code>name</code>, <code>email</code>,{' '}
            <code>phone</code>, <code>tags</code> (separated by <code>;</code>) and <code>timezone</code>; any
            other column is kept as a custom attribute. Members are matched by email or phone, so importing
            again updates them.
          </p>
          <div className="field">
            <label className="field__label" htmlFor={`${id}-file`}>
              CSV file
            </label>
            <input
              id={`${id}-file`}
              className="input input--file"
              type="file"
              name="file"
              accept=".csv,text/csv"
              aria-invalid={missing || undefined}
              aria-describedby={missing ? `${id}-file-error` : undefined}
              onChange={(event) => {
                setFile(event.target.files?.[0] ?? null);
                setMissing(false);
              }}
            />
            {missing ? (
              <p className="field__error" id={`${id}-file-error`}>
                Choose a CSV file to import.
              </p>
            ) : null}
          </div>
          <FormError error={importMembers.error} />
        </form>
      )}
    </Dialog>
  );
};
