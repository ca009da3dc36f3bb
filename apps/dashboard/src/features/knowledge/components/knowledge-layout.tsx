import { createContext, useContext } from 'react';
import { NavLink, Outlet } from 'react-router';
import { PageHeader } from '../../../ui/page-header';
import { useInvalidateDocuments, useUnansweredQuestions } from '../knowledge.api';
import { useKnowledgeEvents } from '../use-knowledge-events';
import { useUploadQueue } from '../use-upload-queue';

type KnowledgeLive = ReturnType<typeof useKnowledgeEvents> & { uploads: ReturnType<typeof useUploadQueue> };

const KnowledgeLiveContext = createContext<KnowledgeLive | null>(null);

/** The live ingestion events and the uploads in progress, shared by the Knowledge pages. */
export const useKnowledgeLive = (): KnowledgeLive => {
  const live = useContext(KnowledgeLiveContext);
  if (!live) throw new Error('useKnowledgeLive needs the <KnowledgeLayout> above it');
  return live;
};

const OpenQuestionsCount = () => {
  const open = useUnansweredQuestions('open');
  const count = open.data?.items.filter((item) => item.status === 'open').length ?? 0;
  return count > 0 ? (
    <span className="tabs__count">
      {count} <span className="visually-hidden">open</span>
    </span>
  ) : null;
};

/**
 * The Knowledge section: its documents and the questions the coach could not answer, as two tabs. The live
 * stream stays open while either is shown, so an answer written on one tab shows its progress on the other.
 */
export const KnowledgeLayout = () => {
  const invalidateDocuments = useInvalidateDocuments();
  const events = useKnowledgeEvents({ onSettled: invalidateDocuments, onReconnected: invalidateDocuments });
  const uploads = useUploadQueue();
  return (
    <KnowledgeLiveContext.Provider value={{ ...events, uploads }}>
      <div className="page">
        <PageHeader
          title="Knowledge"
          description="What your coach knows. Every answer comes from these documents and cites them."
        />
        <nav className="tabs" aria-label="Knowledge sections">
          <NavLink to="/knowledge" end className="tabs__tab">
            Documents
          </NavLink>
          <NavLink to="/knowledge/unanswered" className="tabs__tab">
            Unanswered questions <OpenQuestionsCount />
          </NavLink>
        </nav>
        <Outlet />
      </div>
    </KnowledgeLiveContext.Provider>
  );
};
