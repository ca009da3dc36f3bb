import { useEffect, useId, useState } from 'react';
import { Icon } from '../../../ui/icons';
import { useDebouncedValue } from '../../../ui/use-debounced-value';
import {
  channelLabel,
  channels,
  type LastSeenPreset,
  lastSeenPresets,
  type MemberListFilters,
  type TChannelName,
} from '../members.api';

type Props = {
  filters: MemberListFilters;
  onChange: (patch: Partial<MemberListFilters>) => void;
  onClear: () => void;
};

/** Search and filters. Text fields update the list once typing pauses; selects update it at once. */
export const MemberFilters = ({ filters, onChange, onClear }: Props) => {
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
  // "Clear filters" and back/forward change the URL: follow it.
  useEffect(() => setQ(filters.q), [filters.q]);
  useEffect(() => setTag(filters.tag), [filters.tag]);

  const isFiltered = Boolean(filters.q || filters.tag || filters.channel || filters.lastSeen !== 'any');
  return (
    <search className="filters" aria-label="Filter members">
      <div className="filters__field filters__field--search">
        <label htmlFor={`${id}-q`}>Search</label>
        <div className="input-with-icon">
          <Icon name="search" />
          <input
            id={`${id}-q`}
            className="input"
            type="search"
            placeholder="Name, email, phone or handle"
            value={q}
            onChange={(event) => setQ(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter') onChange({ q });
            }}
          />
        </div>
      </div>
      <div className="filters__field">
        <label htmlFor={`${id}-tag`}>Tag</label>
        <input
          id={`${id}-tag`}
          className="input"
          placeholder="e.g. vip"
          value={tag}
          onChange={(event) => setTag(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter') onChange({ tag });
          }}
        />
      </div>
      <div className="filters__field">
        <label htmlFor={`${id}-channel`}>Channel</label>
        <select
          id={`${id}-channel`}
          className="input select"
          value={filters.channel}
          onChange={(event) => onChange({ channel: event.target.value as TChannelName | '' })}
        >
          <option value="">All channels</option>
          {channels.map((channel) => (
            <option key={channel} value={channel}>
              {channelLabel(channel)}
            </option>
          ))}
        </select>
      </div>
      <div className="filters__field">
        <label htmlFor={`${id}-seen`}>Last seen</label>
        <select
          id={`${id}-seen`}
          className="input select"
          value={filters.lastSeen}
          onChange={(event) => onChange({ lastSeen: event.target.value as LastSeenPreset })}
        >
          {Object.entries(lastSeenPresets).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      {isFiltered ? (
        <button type="button" className="button button--ghost filters__clear" onClick={onClear}>
          Clear filters
        </button>
      ) : null}
    </search>
  );
};
