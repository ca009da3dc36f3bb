import { useEffect, useId, useState } from 'react';
import { Icon } from '../../../ui/icons';
import { useDebouncedValue } from '../../../ui/use-debounced-value';
import {
  type DocumentListFilters,
  documentStatuses,
  statusLabels,
  type TDocumentStatus,
} from '../knowledge.api';

type Props = {
  filters: DocumentListFilters;
  onChange: (patch: Partial<DocumentListFilters>) => void;
  onClear: () => void;
};

export const isFilteredList = (filters: DocumentListFilters) =>
  Boolean(filters.q || filters.tag || filters.status || filters.folderId);

/** Title search, status and tag. Text fields update the list once typing pauses; the select at once. */
export const DocumentFilters = ({ filters, onChange, onClear }: Props) => {
  const id = useId();
  const [q, setQ] = useState(filters.q);
  const [tag, setTag] = useState(filters.tag);
  const debouncedQ = useDebouncedValue(q);
  const debouncedTag = useDebouncedValue(tag);

  // Only the typed value drives these; the filters follow from it (and would loop if they were dependencies).
  // biome-ignore lint/correctness/useExhaustiveDependencies: see above
  useEffect(() => {
    if (debouncedQ !== filters.q) onChange({ q: debouncedQ });
  }, [debouncedQ]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: see above
  useEffect(() => {
    if (debouncedTag !== filters.tag) onChange({ tag: debouncedTag });
  }, [debouncedTag]);
  useEffect(() => setQ(filters.q), [filters.q]);
  useEffect(() => setTag(filters.tag), [filters.tag]);

  return (
    <search className="filters filters--documents" aria-label="Filter documents">
      <div className="filters__field filters__field--search">
        <label htmlFor={`${id}-q`}>Find a document</label>
        <div className="input-with-icon">
          <Icon name="search" />
          <input
            id={`${id}-q`}
            className="input"
            type="search"
            placeholder="Title or file name"
            value={q}
            onChange={(event) => setQ(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter') onChange({ q });
            }}
          />
        </div>
      </div>
      <div className="filters__field">
        <label htmlFor={`${id}-status`}>Status</label>
        <select
          id={`${id}-status`}
          className="input select"
          value={filters.status}
          onChange={(event) => onChange({ status: event.target.value as TDocumentStatus | '' })}
        >
          <option value="">Any status</option>
          {documentStatuses.map((status) => (
            <option key={status} value={status}>
              {statusLabels[status]}
            </option>
          ))}
        </select>
      </div>
      <div className="filters__field">
        <label htmlFor={`${id}-tag`}>Tag</label>
        <input
          id={`${id}-tag`}
          className="input"
          placeholder="e.g. nutrition"
          value={tag}
          onChange={(event) => setTag(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter') onChange({ tag });
          }}
        />
      </div>
      {filters.q || filters.tag || filters.status ? (
        <button type="button" className="button button--ghost filters__clear" onClick={onClear}>
          Clear filters
        </button>
      ) : null}
    </search>
  );
};
