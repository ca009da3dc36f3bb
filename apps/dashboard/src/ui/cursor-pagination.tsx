/** Previous / next over cursor pages, with the page size. Cursor APIs have no total, so pages are numbered only. */
export const CursorPagination = ({
  page,
  hasPrevious,
  hasNext,
  onPrevious,
  onNext,
  pageSize,
  onPageSizeChange,
  itemLabel = 'rows',
  isFetching = false,
}: {
  page: number;
  hasPrevious: boolean;
  hasNext: boolean;
  onPrevious: () => void;
  onNext: () => void;
  pageSize?: number;
  onPageSizeChange?: (size: number) => void;
  itemLabel?: string;
  isFetching?: boolean;
}) => (
  <nav className="pagination" aria-label="Pagination">
    {pageSize && onPageSizeChange ? (
      <label className="pagination__size">
        <span>Show</span>
        <select
          className="input select input--compact"
          value={pageSize}
          onChange={(event) => onPageSizeChange(Number(event.target.value))}
        >
          {[25, 50, 100, 200].map((size) => (
            <option key={size} value={size}>
              {size}
            </option>
          ))}
        </select>
        <span>{itemLabel} per page</span>
      </label>
    ) : (
      <span />
    )}
    <div className="pagination__pages">
      <button type="button" className="button" onClick={onPrevious} disabled={!hasPrevious || isFetching}>
        ← Previous
      </button>
      <span className="pagination__current" aria-live="polite">
        Page {page}
      </span>
      <button type="button" className="button" onClick={onNext} disabled={!hasNext || isFetching}>
        Next →
      </button>
    </div>
  </nav>
);
