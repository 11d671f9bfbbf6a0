import { lazy, Suspense } from 'react';
import { Navigate, type RouteObject } from 'react-router';
import { LoadingState } from './components/states';
import { AccountMenu } from './features/auth/AccountMenu';
import { RequirePermission } from './features/auth/RequirePermission';
import { RequireSignIn } from './features/auth/RequireSignIn';
import { AppShell } from './layout/AppShell';
import RouteErrorPage from './layout/RouteErrorPage';
import { SIGN_IN_PATH } from './lib/signInPath';

// Each page is its own chunk: the first load carries only the shell.
const SignInPage = lazy(() => import('./features/auth/SignInPage'));
const InquiryListPage = lazy(() => import('./features/inquiries/InquiryListPage'));
const InquiryDetailPage = lazy(() => import('./features/inquiries/InquiryDetailPage'));
const TemplatesPage = lazy(() => import('./features/templates/TemplatesPage'));
const TemplatePage = lazy(() => import('./features/templates/TemplatePage'));
const StaffPage = lazy(() => import('./features/staff/StaffPage'));
const CustomersPage = lazy(() => import('./features/customers/CustomersPage'));
const AccessPage = lazy(() => import('./features/access/AccessPage'));
const AuditPage = lazy(() => import('./features/audit/AuditPage'));
const AuditVerifyPage = lazy(() => import('./features/audit/VerifyPage'));
const PersonaSyncPage = lazy(() => import('./features/persona/PersonaSyncPage'));
const NotFoundPage = lazy(() => import('./layout/NotFoundPage'));

/**
 * The console's routes. A new section adds its route here and its entry in layout/navigation.ts (with the
 * permission it needs; wrap the page in <RequirePermission> too).
 */
export const routes: RouteObject[] = [
  {
    path: SIGN_IN_PATH,
    errorElement: <RouteErrorPage />,
    element: (
      <Suspense fallback={<LoadingState />}>
        <SignInPage />
      </Suspense>
    ),
  },
  {
    // Everything else needs a signed-in member of staff (features/auth/RequireSignIn.tsx).
    element: <RequireSignIn />,
    errorElement: <RouteErrorPage />,
    children: [
      {
        element: <AppShell accountMenu={<AccountMenu />} />,
        children: [
          { index: true, element: <Navigate to="/inquiries" replace /> },
          { path: 'inquiries', element: <InquiryListPage /> },
          { path: 'inquiries/:id', element: <InquiryDetailPage /> },
          { path: 'templates', element: <TemplatesPage /> },
          { path: 'templates/:id', element: <TemplatePage /> },
          {
            path: 'access',
            element: (
              <RequirePermission permission="access:read">
                <AccessPage />
              </RequirePermission>
            ),
          },
          {
            path: 'staff',
            element: (
              <RequirePermission permission="staff:manage">
                <StaffPage />
              </RequirePermission>
            ),
          },
          {
            path: 'audit',
            element: (
              <RequirePermission permission="audit:read">
                <AuditPage />
              </RequirePermission>
            ),
          },
          {
            path: 'customers',
            element: (
              <RequirePermission permission="apikey:manage">
                <CustomersPage />
              </RequirePermission>
            ),
          },
          {
            path: 'audit/verify',
            element: (
              <RequirePermission permission="audit:export">
                <AuditVerifyPage />
              </RequirePermission>
            ),
          },
          {
            path: 'persona-sync',
            element: (
              <RequirePermission permission="provider:sync">
                <PersonaSyncPage />
              </RequirePermission>
            ),
          },
          { path: '*', element: <NotFoundPage /> },
        ],
      },
    ],
  },
];
