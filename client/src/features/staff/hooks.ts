import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC, type RouterOutputs } from '../../lib/trpc';

export type StaffMember = RouterOutputs['staff']['list']['items'][number];
export type StaffSession = RouterOutputs['staff']['sessions']['items'][number];

export function useStaffList() {
  const trpc = useTRPC();
  return useQuery(trpc.staff.list.queryOptions());
}

export function useStaffSessions(id: string) {
  const trpc = useTRPC();
  return useQuery(trpc.staff.sessions.queryOptions({ id }, { staleTime: 0 }));
}

/** Whether password sign-in is on (resetting a password means nothing when it is off). */
export function useLocalPasswords(): boolean {
  const trpc = useTRPC();
  const options = useQuery(trpc.auth.signInOptions.queryOptions(undefined, { staleTime: 5 * 60_000 }));
  return options.data?.password ?? true;
}

/** Every staff mutation; each refreshes the list and any open sessions view when it settles. */
export function useStaffMutations() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const refresh = { onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.staff.pathKey() }) };
  return {
    create: useMutation(trpc.staff.create.mutationOptions(refresh)),
    changeRole: useMutation(trpc.staff.changeRole.mutationOptions(refresh)),
    disable: useMutation(trpc.staff.disable.mutationOptions(refresh)),
    enable: useMutation(trpc.staff.enable.mutationOptions(refresh)),
    resetPassword: useMutation(trpc.staff.resetPassword.mutationOptions(refresh)),
    endSession: useMutation(trpc.staff.endSession.mutationOptions(refresh)),
    endSessions: useMutation(trpc.staff.endSessions.mutationOptions(refresh)),
    unlockSignIn: useMutation(trpc.staff.unlockSignIn.mutationOptions(refresh)),
  };
}
