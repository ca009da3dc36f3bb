import { Component, type ErrorInfo, type ReactNode } from 'react';

/** The last line of defence: a page that crashed while rendering says so instead of going blank. */
export class ErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo) {
    console.error('The dashboard crashed while rendering', error, info.componentStack);
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <div className="fullscreen-center">
        <div className="state state--error" role="alert">
          <h1 className="state__title">Something broke on this page</h1>
          <p>Reloading usually fixes it. If it happens again, tell us what you were doing.</p>
          <button type="button" className="button button--primary" onClick={() => window.location.reload()}>
            Reload
          </button>
        </div>
      </div>
    );
  }
}
