// The app layer: providers, the sign-in gate and the routes that compose the features.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { lazy, Suspense, useState } from "react";
import { BrowserRouter, Navigate, Route, Routes } from "react-router-dom";
import { LoginPage } from "@/features/auth/components/LoginPage";
import { useToken } from "@/features/auth/useToken";
import { I18nProvider, useI18n } from "@/i18n/I18nProvider";
import { LiveProvider } from "@/live/LiveProvider";
import { Layout } from "./Layout";

const OverviewPage = lazy(() => import("@/features/overview/components/OverviewPage").then((m) => ({ default: m.OverviewPage })));
const MessagesPage = lazy(() => import("@/features/messages/components/MessagesPage").then((m) => ({ default: m.MessagesPage })));
const SearchPage = lazy(() => import("@/features/search/components/SearchPage").then((m) => ({ default: m.SearchPage })));
const KnowledgePage = lazy(() => import("@/features/knowledge/components/KnowledgePage").then((m) => ({ default: m.KnowledgePage })));
const RunsPage = lazy(() => import("@/features/runs/components/RunsPage").then((m) => ({ default: m.RunsPage })));
const ProposalsPage = lazy(() => import("@/features/proposals/components/ProposalsPage").then((m) => ({ default: m.ProposalsPage })));
const TasksBoard = lazy(() => import("@/features/tasks/components/TasksBoard").then((m) => ({ default: m.TasksBoard })));
const AnalysisPage = lazy(() => import("@/features/analysis/components/AnalysisPage").then((m) => ({ default: m.AnalysisPage })));
const TopicsPage = lazy(() => import("@/features/knowledge/components/TopicsPage").then((m) => ({ default: m.TopicsPage })));
const TopicDetailPage = lazy(() => import("@/features/knowledge/components/TopicDetailPage").then((m) => ({ default: m.TopicDetailPage })));
const AtomsPage = lazy(() => import("@/features/knowledge/components/AtomsPage").then((m) => ({ default: m.AtomsPage })));
const AtomDetailPage = lazy(() => import("@/features/knowledge/components/AtomDetailPage").then((m) => ({ default: m.AtomDetailPage })));
const SettingsPage = lazy(() => import("@/features/settings/components/SettingsPage").then((m) => ({ default: m.SettingsPage })));
const JobsPage = lazy(() => import("@/features/jobs/components/JobsPage").then((m) => ({ default: m.JobsPage })));

function Loading() {
  const { t } = useI18n();
  return <p aria-busy="true" className="muted">{t("common.loading")}</p>;
}

function Workspace({ token }: { token: string }) {
  return (
    <LiveProvider token={token}>
      <Suspense fallback={<Loading />}>
        <Routes>
          <Route element={<Layout />}>
            <Route index element={<OverviewPage />} />
            <Route path="messages" element={<MessagesPage />} />
            <Route path="knowledge" element={<KnowledgePage />} />
            <Route path="topics" element={<TopicsPage />} />
            <Route path="topics/:id" element={<TopicDetailPage />} />
            <Route path="atoms" element={<AtomsPage />} />
            <Route path="atoms/:id" element={<AtomDetailPage />} />
            <Route path="proposals" element={<ProposalsPage />} />
            <Route path="runs" element={<RunsPage />} />
            <Route path="analysis" element={<AnalysisPage />} />
            <Route path="tasks" element={<TasksBoard />} />
            <Route path="search" element={<SearchPage />} />
            <Route path="jobs" element={<JobsPage />} />
            <Route path="settings" element={<SettingsPage />} />
            <Route path="*" element={<Navigate to="/" replace />} />
          </Route>
        </Routes>
      </Suspense>
    </LiveProvider>
  );
}

function Gate() {
  const token = useToken();
  return token ? <Workspace token={token} /> : <LoginPage />;
}

export function App() {
  const [client] = useState(
    () =>
      new QueryClient({
        // Live events keep data fresh; refetching on every focus would only add load.
        defaultOptions: { queries: { staleTime: 10_000, refetchOnWindowFocus: false, retry: 1 } },
      }),
  );
  return (
    <QueryClientProvider client={client}>
      <I18nProvider>
        <BrowserRouter basename="/dashboard">
          <Gate />
        </BrowserRouter>
      </I18nProvider>
    </QueryClientProvider>
  );
}
