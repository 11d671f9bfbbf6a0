import { z } from 'zod';
import { ChangePasswordInputSchema, MeSchema, OIDC_START_PATH, SignInOptionsSchema } from '../../shared/auth.js';
import { changeOwnPassword } from '../services/auth/change-password.js';
import { describeMe } from '../services/auth/staff-sessions.js';
import { authedProcedure, publicProcedure, router } from '../trpc.js';

/** Sign-in state for the console. Signing in and out are plain HTTP (POST /auth/login, /auth/logout). */
export const authRouter = router({
  /** The signed-in person with their permissions, or null. */
  me: publicProcedure
    .meta({ allowedBeforePasswordChange: true })
    .output(MeSchema)
    .query(({ ctx }) => describeMe(ctx.staff)),

  /** What the sign-in page offers. */
  signInOptions: publicProcedure.output(SignInOptionsSchema).query(({ ctx }) => ({
    password: ctx.config.auth.localPasswords,
    sso: ctx.config.auth.oidc ? { startUrl: OIDC_START_PATH } : null,
  })),

  changePassword: authedProcedure
    .meta({ allowedBeforePasswordChange: true })
    .input(ChangePasswordInputSchema)
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await changeOwnPassword(ctx, ctx.staff, input);
      return { ok: true as const };
    }),
});
