import { type ReactNode, useId } from 'react';
import { ErrorState, LoadingState } from '../../../ui/states';

export type DataTable = { columns: string[]; rows: (string | number)[][] };

/**
 * A chart with its title, a one-line summary for screen readers, and the same numbers as a table behind
 * "Show data", because a chart alone is not readable by everyone.
 */
export const ChartCard = ({
  title,
  description,
  summary,
  isLoading,
  error,
  onRetry,
  isEmpty,
  emptyText,
  table,
  controls,
  children,
}: {
  title: string;
  description?: string;
  summary: string;
  isLoading: boolean;
  error: unknown;
  onRetry?: () => void;
  isEmpty: boolean;
  emptyText: string;
  table?: DataTable;
  controls?: ReactNode;
  children: ReactNode;
}) => {
  const id = useId();
  let body: ReactNode;
  if (isLoading) body = <LoadingState label={`Loading ${title.toLowerCase()}…`} />;
  else if (error)
    body = <ErrorState error={error} title={`${title} could not be loaded`} onRetry={onRetry} />;
  else if (isEmpty) body = <p className="chart-card__empty">{emptyText}</p>;
  else
    body = (
      <>
        <div className="chart-card__chart" role="img" aria-label={summary}>
          {children}
        </div>
        {table ? (
          <details className="chart-card__data">
            <summary>Show data</summary>
            <div className="table-scroll">
              <table className="table table--compact">
                <caption className="visually-hidden">{title}</caption>
                <thead>
                  <tr>
                    {table.columns.map((column) => (
                      <th key={column} scope="col">
                        {column}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {table.rows.map((row) => (
                    <tr key={String(row[0])}>
                      {row.map((cell, index) => (
                        // biome-ignore lint/suspicious/noArrayIndexKey: the columns are fixed per table
                        <td key={index}>{cell}</td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        ) : null}
      </>
    );
  return (
    <section className="card chart-card" aria-labelledby={`${id}-title`}>
      <header className="card__header">
        <div>
          <h2 className="card__title" id={`${id}-title`}>
            {title}
          </h2>
          {description ? <p className="card__description">{description}</p> : null}
        </div>
        {controls ? <div className="card__header-control">{controls}</div> : null}
      </header>
      {body}
    </section>
  );
};
