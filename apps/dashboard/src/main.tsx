import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { createApiClient } from './api/api-client';
import { createTokenStore } from './api/token-store';
import { AppProviders } from './app-providers';
import { AppRoutes } from './app-routes';
import { ErrorBoundary } from './ui/error-boundary';
import './styles/app.css';

const api = createApiClient({ tokens: createTokenStore() });
const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

createRoot(root).render(
  <StrictMode>
    <ErrorBoundary>
      <AppProviders api={api}>
        <BrowserRouter>
          <AppRoutes />
        </BrowserRouter>
      </AppProviders>
    </ErrorBoundary>
  </StrictMode>,
);
