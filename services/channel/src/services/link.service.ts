import { randomInt } from 'node:crypto';
import type { SecretBox } from '@companero/core/crypto/secret-box';
import type { TenantTx } from '@companero/db/tenant';
import { identitiesRepository } from '../repositories/identities.repository';
import { linkCodesRepository } from '../repositories/link-codes.repository';

const linkRequest = /^\s*\/?link\s*$/i;
const linkAnswer = /^\s*\/?link\s+(\d{6})\s*$/i;
const codeTtlMinutes = 15;

export type CommandAnswer = string | { text: string; memberId: string } | null;

/**
 * Links a member's identities across channels with a one-time code: "link" on one channel answers a code,
 * "link 123456" on another (or a Telegram `/start 123456` deep link) joins the sender to the member who
 * asked. Codes are six digits, valid 15 minutes, used once, stored as a keyed MAC.
 */
export const createLinkService = (deps: { secretBox: SecretBox }) => {
  const hash = (creatorId: string, code: string) => deps.secretBox.mac(`link:${creatorId}:${code}`);

  const issue = async (tx: TenantTx, memberId: string) => {
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const expiresAt = new Date(Date.now() + codeTtlMinutes * 60_000);
    await linkCodesRepository.insert(tx, memberId, hash(tx.creatorId, code), expiresAt);
    return { code, expiresAt };
  };

  const link = async (
    tx: TenantTx,
    input: { code: string; memberId: string; identityId: string | null },
  ): Promise<CommandAnswer> => {
    const targetMemberId = await linkCodesRepository.consume(tx, hash(tx.creatorId, input.code));
    if (!targetMemberId || !(await identitiesRepository.memberExists(tx, targetMemberId)))
      return 'That link code is unknown or has expired. Ask for a new one by sending "link" on your other channel.';
    if (targetMemberId === input.memberId) return 'These channels are already linked.';
    if (!input.identityId) return 'This channel cannot be linked with a code.';
    await identitiesRepository.moveToMember(tx, input.identityId, input.memberId, targetMemberId);
    return {
      text: 'Done! This chat is now linked to your other channel, so your coach knows it is you on both.',
      memberId: targetMemberId,
    };
  };

  return {
    issue,
    async handleCommand(
      tx: TenantTx,
      input: {
        memberId: string;
        channel: string;
        identityId: string | null;
        text: string;
        startPayload?: string;
      },
    ): Promise<CommandAnswer> {
      if (input.startPayload && /^\d{6}$/.test(input.startPayload))
        return link(tx, { code: input.startPayload, memberId: input.memberId, identityId: input.identityId });
      const answered = linkAnswer.exec(input.text);
      if (answered)
        return link(tx, { code: answered[1]!, memberId: input.memberId, identityId: input.identityId });
      if (linkRequest.test(input.text)) {
        const { code } = await issue(tx, input.memberId);
        return `Your link code is ${code}. Within ${codeTtlMinutes} minutes, send "link ${code}" from your other channel (WhatsApp, Telegram or the chat on the website) to connect them.`;
      }
      return null;
    },
  };
};

export type LinkService = ReturnType<typeof createLinkService>;
