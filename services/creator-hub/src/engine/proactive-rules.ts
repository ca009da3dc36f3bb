import {
  addCalendarDays,
  isInQuietHours,
  localParts,
  quietHoursEnd,
  type TQuietHours,
  zonedDateTime,
} from '@companero/contracts/creator-hub/program-logic';
import { type TProactiveSettings, ZProactiveSettings } from '@companero/contracts/creator-hub/programs';
import type { TenantTx } from '@companero/db/tenant';
import { proactiveSettingsRepository } from '../repositories/proactive-settings.repository';
import { sendsRepository } from './enrollments.repository';
import type { MemberFacts } from './program-members.repository';

/**
 * The rules every message the coach sends on its own passes, in this order: an unsubscribed member is never
 * written to (the enrollment exits); inside the member's quiet hours the send waits for their end; past the
 * daily cap it waits for the next local day; otherwise it goes out on the first reachable channel of the step's
 * preference then the creator's order.
 */
export type SendDecision =
  | { kind: 'exit'; reason: 'unsubscribed' }
  | { kind: 'defer'; reason: 'quiet_hours' | 'frequency_cap'; until: Date }
  | { kind: 'send'; localDay: string; channels: string[] };

/** The creator's stored rules over the defaults (stored rules that no longer parse fall back to defaults). */
export const parseProactiveSettings = (stored: unknown): TProactiveSettings => {
  const parsed = ZProactiveSettings.safeParse(stored ?? {});
  return parsed.success ? parsed.data : ZProactiveSettings.parse({});
};

export const loadProactiveSettings = async (tx: TenantTx): Promise<TProactiveSettings> =>
  parseProactiveSettings(await proactiveSettingsRepository.get(tx));

const localTimePattern = /^([01]\d|2[0-3]):[0-5]\d$/;

/** The member's own quiet hours when they set valid ones, else the creator's (null = none). */
export const quietHoursFor = (member: MemberFacts, settings: TProactiveSettings): TQuietHours | null => {
  const own = member.quietHours;
  if (own && localTimePattern.test(own.start ?? '') && localTimePattern.test(own.end ?? '')) return own;
  return settings.quietHours;
};

/** The first moment of the member's next local day that is outside quiet hours. */
export const nextDayStart = (now: Date, timeZone: string, quietHours: TQuietHours | null): Date => {
  const midnight = zonedDateTime(addCalendarDays(localParts(now, timeZone).date, 1), 0, timeZone);
  return quietHours ? quietHoursEnd(midnight, timeZone, quietHours) : midnight;
};

/** The channels to try: the step's own (unless 'auto'), then the creator's order. */
export const channelsToTry = (preference: string, settings: TProactiveSettings): string[] => {
  const order: string[] = [...settings.channelOrder];
  return preference && preference !== 'auto' ? [preference, ...order.filter((c) => c !== preference)] : order;
};

export const decideSend = async (
  tx: TenantTx,
  input: { member: MemberFacts; settings: TProactiveSettings; timeZone: string; now: Date; channel: string },
): Promise<SendDecision> => {
  const { member, settings, timeZone, now } = input;
  if (member.unsubscribedAt) return { kind: 'exit', reason: 'unsubscribed' };
  const quietHours = quietHoursFor(member, settings);
  if (quietHours && isInQuietHours(now, timeZone, quietHours))
    return { kind: 'defer', reason: 'quiet_hours', until: quietHoursEnd(now, timeZone, quietHours) };
  const localDay = localParts(now, timeZone).date;
  const sentToday = await sendsRepository.countForDay(tx, member.id, localDay);
  if (sentToday >= settings.maxPerDay)
    return { kind: 'defer', reason: 'frequency_cap', until: nextDayStart(now, timeZone, quietHours) };
  return { kind: 'send', localDay, channels: channelsToTry(input.channel, settings) };
};
