import type { TImportReport } from '@companero/contracts/creator-hub/members';
import type { StaffContext } from '@companero/core/auth/request-context';
import { AppError } from '@companero/core/errors/app-error';
import { isTimeZone } from '@companero/core/time/time-zone';
import { recordAnalyticsEvent } from '@companero/db/analytics-events';
import { appendAuditEntry } from '@companero/db/audit-log';
import { type TenantDatabase, withTenant } from '@companero/db/tenant';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { handleTagAddedInTx } from '../engine/member-events';
import { type ImportRow, membersRepository } from '../repositories/members.repository';

const knownColumns = ['name', 'email', 'phone', 'tags', 'timezone'] as const;
// Columns export.csv adds that are computed, not data: importing an export must not turn them into attributes.
const exportOnlyColumns = ['channels', 'createdat', 'lastseenat'];
const maxRows = 50_000;

const ZEmail = z.email();
// E.164 after removing the usual separators: "+34 600-12-34-56" → "+34600123456".
const normalizePhone = (raw: string) => raw.replace(/[\s().-]/g, '');
const phonePattern = /^\+?[1-9]\d{6,14}$/;

type ParsedRow = { line: number; row: ImportRow } | { line: number; reason: string };

const parseRow = (record: Record<string, string>, line: number): ParsedRow => {
  const name = record.name?.trim() || undefined;
  const email = record.email?.trim().toLowerCase() || undefined;
  const phoneRaw = record.phone?.trim() || undefined;
  const timezone = record.timezone?.trim() || undefined;
  if (!email && !phoneRaw) return { line, reason: 'Needs an email or a phone number.' };
  if (email && !ZEmail.safeParse(email).success)
    return { line, reason: `"${email}" is not a valid email address.` };
  const phone = phoneRaw ? normalizePhone(phoneRaw) : undefined;
  if (phone && !phonePattern.test(phone))
    return {
      line,
      reason: `"${phoneRaw}" is not a phone number (use the international format, e.g. +34600123456).`,
    };
  if (name && name.length > 120) return { line, reason: 'The name is longer than 120 characters.' };
  if (timezone && !isTimeZone(timezone))
    return { line, reason: `"${timezone}" is not a time zone (use a name such as Europe/Madrid).` };
  const tags = (record.tags ?? '')
    .split(/[;|,]/)
    .map((tag) => tag.trim())
    .filter(Boolean);
  if (tags.some((tag) => tag.length > 40)) return { line, reason: 'A tag is longer than 40 characters.' };
  const attributes: Record<string, string> = {};
  for (const [key, value] of Object.entries(record)) {
    if (
      !(knownColumns as readonly string[]).includes(key) &&
      !exportOnlyColumns.includes(key) &&
      key &&
      value?.trim()
    )
      attributes[key] = value.trim().slice(0, 1000);
  }
  return {
    line,
    row: {
      name,
      email,
      phone: phone?.startsWith('+') ? phone : phone ? `+${phone}` : undefined,
      tags,
      timezone,
      attributes,
    },
  };
};

/**
 * The 1-based line on which each data record starts. A quoted cell may span lines (an address, a note), so
 * the record index alone does not give the line the report must name. Empty lines are skipped, as the parser does.
 */
const recordStartLines = (text: string): number[] => {
  const starts: number[] = [];
  let line = 1;
  let isQuoted = false;
  let isAtRecordStart = true;
  for (let index = 0; index < text.length; index += 1) {
    const character = text[index];
    if (character === '\r' && text[index + 1] === '\n') continue;
    const isNewline = character === '\n' || character === '\r';
    if (isAtRecordStart && !isNewline) {
      starts.push(line);
      isAtRecordStart = false;
    }
    if (character === '"') isQuoted = !isQuoted;
    if (isNewline) {
      line += 1;
      if (!isQuoted) isAtRecordStart = true;
    }
  }
  return starts.slice(1);
};

// Spreadsheet apps run cells that start with these as formulas (CSV injection): quote them as text.
const safeCell = (value: string) => (/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);

const notACsv = (message: string) => new AppError('UNSUPPORTED_MEDIA_TYPE', { message });

/**
 * Members from a CSV with a header row (`name,email,phone,tags,timezone`, any other column becomes an
 * attribute). Every row is validated; the valid ones are imported or update the member with the same email
 * (else phone) in ONE transaction, and the report names each rejected line and why.
 */
export const createMemberImportService = (deps: { db: TenantDatabase }) => ({
  async importCsv(ctx: StaffContext, bytes: Buffer): Promise<TImportReport> {
    if (bytes.length === 0)
      throw new AppError('VALIDATION_FAILED', {
        message: 'The file is empty.',
        errors: [{ path: 'file', message: 'Empty file' }],
      });
    if (bytes.subarray(0, 8192).includes(0))
      throw notACsv('This file is not a CSV (it contains binary data).');
    let records: Record<string, string>[];
    let header: string[] = [];
    try {
      records = parse(bytes, {
        bom: true,
        columns: (names: string[]) => {
          header = names.map((name) => name.trim().toLowerCase());
          return header;
        },
        skip_empty_lines: true,
        relax_column_count: true,
        trim: false,
        max_record_size: 64 * 1024,
        to: maxRows + 1,
      }) as Record<string, string>[];
    } catch (error) {
      throw new AppError('VALIDATION_FAILED', {
        message: `The file could not be read as CSV: ${(error as Error).message}`,
        errors: [{ path: 'file', message: 'Not a valid CSV' }],
      });
    }
    if (!header.includes('email') && !header.includes('phone')) {
      throw new AppError('VALIDATION_FAILED', {
        message: `The header row must include an "email" or a "phone" column (expected columns: ${knownColumns.join(', ')}; found: ${header.join(', ') || 'nothing'}).`,
        errors: [{ path: 'file', message: 'Missing email/phone column' }],
      });
    }
    if (records.length > maxRows) {
      throw new AppError('PAYLOAD_TOO_LARGE', {
        message: `A file may hold at most ${maxRows} members; split it.`,
      });
    }
    const rejected: TImportReport['rejected'] = [];
    const accepted: { line: number; row: ImportRow }[] = [];
    const seen = new Map<string, number>();
    const lines = recordStartLines(bytes.toString('utf8'));
    records.forEach((record, index) => {
      const parsed = parseRow(record, lines[index] ?? index + 2);
      if ('reason' in parsed) {
        rejected.push({ row: parsed.line, reason: parsed.reason });
        return;
      }
      const key = parsed.row.email ?? parsed.row.phone!;
      const firstLine = seen.get(key);
      if (firstLine) {
        rejected.push({
          row: parsed.line,
          reason: `Duplicate of line ${firstLine} (same ${parsed.row.email ? 'email' : 'phone'}).`,
        });
        return;
      }
      seen.set(key, parsed.line);
      accepted.push(parsed);
    });
    let imported = 0;
    let updated = 0;
    await withTenant(deps.db, ctx.creatorId, async (tx) => {
      for (const { line, row } of accepted) {
        const result = await membersRepository.upsertImported(tx, row);
        if ('conflict' in result) rejected.push({ row: line, reason: result.conflict });
        else if (result.isNew) {
          imported += 1;
          await recordAnalyticsEvent(tx, { type: 'member.joined', memberId: result.id, channel: 'import' });
          // Programs listening for these tags enroll the new member (tags merged into an existing member do
          // not fire: the import does not know which of them are new).
          if (row.tags.length > 0) await handleTagAddedInTx(tx, result.id, row.tags, new Date());
        } else updated += 1;
      }
      await appendAuditEntry(tx, ctx, {
        action: 'member.imported',
        targetType: 'member',
        metadata: { imported, updated, rejected: rejected.length },
      });
    });
    return { imported, updated, rejected: rejected.sort((a, b) => a.row - b.row) };
  },

  async exportCsv(ctx: StaffContext): Promise<string> {
    const rows = await withTenant(deps.db, ctx.creatorId, async (tx) => {
      const all = await membersRepository.listAll(tx);
      await appendAuditEntry(tx, ctx, {
        action: 'member.exported_csv',
        targetType: 'member',
        metadata: { count: all.length },
      });
      return all;
    });
    const attributeKeys = [...new Set(rows.flatMap((row) => Object.keys(row.attributes)))].sort();
    const columns = [...knownColumns, 'channels', 'createdAt', 'lastSeenAt', ...attributeKeys];
    return stringify(
      rows.map((row) => [
        safeCell(row.name ?? ''),
        row.email ?? '',
        row.phone ?? '',
        safeCell(row.tags.join(';')),
        row.timezone ?? '',
        row.channels.join(';'),
        new Date(row.createdAt).toISOString(),
        row.lastSeenAt ? new Date(row.lastSeenAt).toISOString() : '',
        ...attributeKeys.map((key) => safeCell(String(row.attributes[key] ?? ''))),
      ]),
      { header: true, columns },
    );
  },
});

export type MemberImportService = ReturnType<typeof createMemberImportService>;
