import type { TAnalyticsOverview } from '../analytics.api';

export const TopQuestions = ({ questions }: { questions: TAnalyticsOverview['topQuestions'] }) => (
  <section className="card" aria-labelledby="top-questions-title">
    <header className="card__header">
      <div>
        <h2 className="card__title" id="top-questions-title">
          Top questions
        </h2>
        <p className="card__description">What members ask most, with similar wordings grouped together.</p>
      </div>
    </header>
    {questions.length === 0 ? (
      <p className="chart-card__empty">No questions in this period yet.</p>
    ) : (
      <div className="table-scroll">
        <table className="table table--compact">
          <thead>
            <tr>
              <th scope="col">Question</th>
              <th scope="col" className="numeric">
                Asked
              </th>
              <th scope="col" className="numeric">
                Unanswered
              </th>
              <th scope="col" className="numeric hide-narrow">
                Wordings
              </th>
            </tr>
          </thead>
          <tbody>
            {questions.map((question) => (
              <tr key={question.text}>
                <td>{question.text}</td>
                <td className="numeric">{question.count.toLocaleString()}</td>
                <td className="numeric">
                  {question.unanswered > 0 ? (
                    <span className="badge badge--warning">{question.unanswered.toLocaleString()}</span>
                  ) : (
                    '0'
                  )}
                </td>
                <td className="numeric hide-narrow">{question.variants.toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    )}
  </section>
);

export const UnansweredQuestions = ({
  questions,
}: {
  questions: TAnalyticsOverview['unansweredQuestions'];
}) => (
  <section className="card" aria-labelledby="unanswered-title">
    <header className="card__header">
      <div>
        <h2 className="card__title" id="unanswered-title">
          Unanswered questions
        </h2>
        <p className="card__description">
          The coach said it did not know. Adding material on these closes the gaps.
        </p>
      </div>
    </header>
    {questions.length === 0 ? (
      <p className="chart-card__empty">Nothing went unanswered in this period.</p>
    ) : (
      <ol className="ranked-list">
        {questions.map((question) => (
          <li key={question.text}>
            <span>{question.text}</span>
            <span className="badge badge--warning">{question.count.toLocaleString()}×</span>
          </li>
        ))}
      </ol>
    )}
  </section>
);
