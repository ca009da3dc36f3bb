import { type FormEvent, useId, useState } from 'react';
import { Icon } from '../../../ui/icons';
import { ErrorState, Spinner } from '../../../ui/states';
import { headingTrail, useKnowledgeSearch } from '../knowledge.api';

/**
 * Searches the knowledge the way the coach does before answering, and shows the passages it would find:
 * the ones above the relevance floor are what it may cite.
 */
export const KnowledgeSearch = () => {
  const id = useId();
  const [text, setText] = useState('');
  const [query, setQuery] = useState('');
  const search = useKnowledgeSearch(query);
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setQuery(text.trim());
  };
  const results = search.data?.results ?? [];
  const relevantCount = results.filter((result) => result.isRelevant).length;

  return (
    <section className="card knowledge-search" aria-labelledby={`${id}-title`}>
      <header>
        <h2 className="card__title" id={`${id}-title`}>
          Search your knowledge
        </h2>
        <p className="card__description">
          See which passages the coach would find for a question, and whether they are relevant enough to
          cite.
        </p>
      </header>
      <search>
        <form className="inline-form" onSubmit={onSubmit}>
          <label htmlFor={`${id}-q`} className="visually-hidden">
            Search the knowledge
          </label>
          <div className="input-with-icon inline-form__grow">
            <Icon name="search" />
            <input
              id={`${id}-q`}
              className="input"
              type="search"
              maxLength={2000}
              placeholder="e.g. How much sleep does an adult need?"
              value={text}
              onChange={(event) => setText(event.target.value)}
            />
          </div>
          <button type="submit" className="button" disabled={!text.trim() || search.isFetching}>
            {search.isFetching ? <Spinner /> : null}
            Search
          </button>
        </form>
      </search>
      {query && search.isError ? (
        <ErrorState error={search.error} title="The search failed" onRetry={() => search.refetch()} />
      ) : null}
      {query && search.isSuccess ? (
        results.length === 0 ? (
          <p className="muted" role="status">
            Nothing found for “{query}”. Documents still processing are not searchable yet.
          </p>
        ) : (
          <>
            <p className="muted" role="status">
              {results.length} passage{results.length === 1 ? '' : 's'} found for “{query}”;{' '}
              {relevantCount === 0
                ? 'none is relevant enough to cite, so the coach would say it does not know.'
                : `${relevantCount} relevant enough to cite.`}
            </p>
            <ol className="search-results" aria-label={`Passages found for ${query}`}>
              {results.map((result) => {
                const trail = headingTrail(result.headingPath, result.title);
                return (
                  <li
                    key={result.chunkId}
                    className={`search-result${result.isRelevant ? '' : ' search-result--weak'}`}
                  >
                    <header className="search-result__head">
                      <span className="search-result__title">{result.title}</span>
                      {result.isRelevant ? (
                        <span className="badge badge--status badge--ready">Relevant</span>
                      ) : (
                        <span
                          className="badge"
                          title="Below the relevance floor: the coach would not cite it"
                        >
                          Not relevant
                        </span>
                      )}
                      <span className="search-result__score" title="Search score">
                        {result.score.toFixed(3)}
                      </span>
                    </header>
                    {trail || result.page ? (
                      <p className="search-result__where">
                        {trail}
                        {trail && result.page ? ' · ' : null}
                        {result.page ? `page ${result.page}` : null}
                      </p>
                    ) : null}
                    <p className="search-result__text">{result.text}</p>
                  </li>
                );
              })}
            </ol>
          </>
        )
      ) : null}
    </section>
  );
};
