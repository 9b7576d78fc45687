/**
 * `@hpo/orchestrator/report`: the HTML report and the live dashboard, a separate entry point so
 * that commands which do neither never load ECharts or the HTTP server.
 */
export {
  type Dashboard,
  type DashboardOptions,
  type DashboardSource,
  type RunningTask,
  type StudyListing,
  startDashboard,
  studyListing,
} from './dashboard.js';
export { type ReportData, reportData } from './data.js';
export { CHARTS, renderReport } from './html.js';
export { LocalSource } from './local-source.js';
