import type { QueryClient } from '@tanstack/react-query';
import { QueryClientProvider } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { NotificationsProvider } from './components/notifications';
import { TRPCProvider, type createApiClient } from './lib/trpc';
import { AppThemeProvider } from './theme/AppThemeProvider';

export interface AppProvidersProps {
  queryClient: QueryClient;
  trpcClient: ReturnType<typeof createApiClient>;
  children: ReactNode;
}

/** Everything a page needs around it; tests use the same providers with a fake API. */
export function AppProviders({ queryClient, trpcClient, children }: AppProvidersProps) {
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider queryClient={queryClient} trpcClient={trpcClient}>
        <AppThemeProvider>
          <NotificationsProvider>{children}</NotificationsProvider>
        </AppThemeProvider>
      </TRPCProvider>
    </QueryClientProvider>
  );
}
