import { z } from 'zod';
import { ZAccount, ZEmail, ZMembership, ZTokenPair } from './session';

export const ZLoginRequest = z.object({
  email: ZEmail,
  password: z.string().min(1).max(256),
  creatorId: z.uuid().optional().describe('Which membership the tokens are for; the first one when omitted.'),
});
export type TLoginRequest = z.infer<typeof ZLoginRequest>;

export const ZLoginResponse = ZTokenPair.extend({ account: ZAccount, memberships: z.array(ZMembership) });
export type TLoginResponse = z.infer<typeof ZLoginResponse>;

export const ZRefreshRequest = z.object({ refreshToken: z.string().min(10).max(300) });
export const ZLogoutRequest = z.object({ refreshToken: z.string().min(10).max(300) });
export const ZSwitchRequest = z.object({ creatorId: z.uuid() });

export const ZMeResponse = z.object({ account: ZAccount, memberships: z.array(ZMembership) });
export type TMeResponse = z.infer<typeof ZMeResponse>;

export const ZJwks = z.object({
  keys: z.array(
    z.record(z.string(), z.unknown()).describe('An RS256 public JWK with kty, n, e, kid, alg and use'),
  ),
});
