import { lazy, Suspense } from 'react';
import { Navigate, Route, Routes } from 'react-router';
import { AccountPage } from './features/account/pages/account.page';
import { AuditPage } from './features/audit/pages/audit.page';
import { RequireSession } from './features/auth/components/require-session';
import { SessionBootstrap } from './features/auth/components/session-bootstrap';
import { AcceptInvitationPage } from './features/auth/pages/accept-invitation.page';
import { SignInPage } from './features/auth/pages/sign-in.page';
import { SignUpPage } from './features/auth/pages/sign-up.page';
import { ChannelsPage } from './features/channels/pages/channels.page';
import { CoachPage } from './features/coach/pages/coach.page';
import { KnowledgeLayout } from './features/knowledge/components/knowledge-layout';
import { KnowledgePage } from './features/knowledge/pages/knowledge.page';
import { UnansweredPage } from './features/knowledge/pages/unanswered.page';
import { MemberPage } from './features/members/pages/member.page';
import { MembersPage } from './features/members/pages/members.page';
import { ProgramsPage } from './features/programs/pages/programs.page';
import { SettingsPage } from './features/settings/pages/settings.page';
import { AppShell } from './features/shell/components/app-shell';
import { NotFoundPage } from './features/shell/pages/not-found.page';
import { TeamPage } from './features/team/pages/team.page';
import { LoadingState } from './ui/states';

// The charts library is the largest dependency: load it with the page that draws charts.
const AnalyticsPage = lazy(() => import('./features/analytics/pages/analytics.page'));
// The flow editor (React Flow) is only needed on the builder page.
const ProgramBuilderPage = lazy(() => import('./features/programs/pages/program-builder.page'));

export const AppRoutes = () => (
  <SessionBootstrap>
    <Routes>
      <Route path="/sign-in" element={<SignInPage />} />
      <Route path="/sign-up" element={<SignUpPage />} />
      <Route path="/accept-invitation" element={<AcceptInvitationPage />} />
      <Route
        element={
          <RequireSession>
            <AppShell />
          </RequireSession>
        }
      >
        <Route index element={<Navigate to="/analytics" replace />} />
        <Route
          path="analytics"
          element={
            <Suspense fallback={<LoadingState label="Loading analytics…" />}>
              <AnalyticsPage />
            </Suspense>
          }
        />
        <Route path="members" element={<MembersPage />} />
        <Route path="members/:memberId" element={<MemberPage />} />
        <Route path="knowledge" element={<KnowledgeLayout />}>
          <Route index element={<KnowledgePage />} />
          <Route path="unanswered" element={<UnansweredPage />} />
        </Route>
        <Route path="coach" element={<CoachPage />} />
        <Route path="programs" element={<ProgramsPage />} />
        <Route
          path="programs/:programId"
          element={
            <Suspense fallback={<LoadingState label="Loading the program builder…" />}>
              <ProgramBuilderPage />
            </Suspense>
          }
        />
        <Route path="channels" element={<ChannelsPage />} />
        <Route path="team" element={<TeamPage />} />
        <Route path="audit" element={<AuditPage />} />
        <Route path="settings" element={<SettingsPage />} />
        <Route path="account" element={<AccountPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  </SessionBootstrap>
);
