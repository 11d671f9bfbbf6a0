import { QueryClient } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { createMemoryRouter, RouterProvider } from 'react-router';
import type { ReactElement } from 'react';
import { AppProviders } from '../AppProviders';
import { createApiClient } from '../lib/trpc';
import { routes } from '../router';

function testQueryClient() {
  return new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity, gcTime: Infinity } } });
}

function withProviders(ui: ReactElement) {
  return (
    <AppProviders queryClient={testQueryClient()} trpcClient={createApiClient()}>
      {ui}
    </AppProviders>
  );
}

/** The whole console at `path`, on an in-memory router; the API is whatever installFakeApi set up. */
export function renderApp(path: string) {
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  const user = userEvent.setup();
  const view = render(withProviders(<RouterProvider router={router} />));
  return {
    ...view,
    router,
    user,
    /** The current URL's search params. */
    params: () => new URLSearchParams(router.state.location.search),
  };
}

/** One component with the app's providers (theme, query, tRPC). */
export function renderWithProviders(ui: ReactElement) {
  return { ...render(withProviders(ui)), user: userEvent.setup() };
}
