import { z } from 'zod';
import {
  ChangeRoleInputSchema,
  CreateStaffInputSchema,
  CreateStaffOutputSchema,
  EndSessionInputSchema,
  EndSessionOutputSchema,
  EndSessionsOutputSchema,
  ResetPasswordOutputSchema,
  StaffIdSchema,
  StaffListItemSchema,
  StaffListOutputSchema,
  StaffSessionsOutputSchema,
  StaffTargetInputSchema,
  UnlockSignInOutputSchema,
} from '../../shared/auth.js';
import * as staff from '../services/staff.js';
import { permissionProcedure, router } from '../trpc.js';

const manage = permissionProcedure('staff:manage');

/** Staff accounts, roles and sessions (admin). */
export const staffRouter = router({
  list: manage.output(StaffListOutputSchema).query(({ ctx }) => staff.listStaff(ctx)),
  create: manage.input(CreateStaffInputSchema).output(CreateStaffOutputSchema).mutation(({ ctx, input }) => staff.createStaff(ctx, input)),
  changeRole: manage.input(ChangeRoleInputSchema).output(StaffListItemSchema).mutation(({ ctx, input }) => staff.changeRole(ctx, input)),
  disable: manage.input(StaffTargetInputSchema).output(StaffListItemSchema).mutation(({ ctx, input }) => staff.disableStaff(ctx, input)),
  enable: manage.input(StaffTargetInputSchema).output(StaffListItemSchema).mutation(({ ctx, input }) => staff.enableStaff(ctx, input)),
  resetPassword: manage.input(StaffTargetInputSchema).output(ResetPasswordOutputSchema).mutation(({ ctx, input }) => staff.resetPassword(ctx, input)),
  sessions: manage
    .input(z.object({ id: StaffIdSchema }).strict())
    .output(StaffSessionsOutputSchema)
    .query(({ ctx, input }) => staff.listSessions(ctx, input)),
  endSession: manage.input(EndSessionInputSchema).output(EndSessionOutputSchema).mutation(({ ctx, input }) => staff.endSession(ctx, input)),
  endSessions: manage.input(StaffTargetInputSchema).output(EndSessionsOutputSchema).mutation(({ ctx, input }) => staff.endSessions(ctx, input)),
  unlockSignIn: manage.input(StaffTargetInputSchema).output(UnlockSignInOutputSchema).mutation(({ ctx, input }) => staff.unlockSignIn(ctx, input)),
});
