import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export type CaughtMail = { to: string[]; from: string; subject: string; text: string };

export type MailCatcher = {
  /** SMTP_URL for the server under test: plain SMTP on loopback, no STARTTLS, no AUTH. */
  smtpUrl: string;
  mails: CaughtMail[];
  /** The oldest mail to `address` not returned before; waits for it to arrive. */
  nextMailTo(address: string, timeoutMs?: number): Promise<CaughtMail>;
  /** How many mails to `address` arrived so far. */
  countTo(address: string): number;
  close(): Promise<void>;
};

/**
 * A real SMTP server on 127.0.0.1 (the `smtp-server` package) that parses every message it receives, so tests
 * read one-time codes and invitation tokens from the mail exactly as a person would.
 */
export const startMailCatcher = async (): Promise<MailCatcher> => {
  const mails: CaughtMail[] = [];
  const taken = new Set<CaughtMail>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          mails.push({
            to: session.envelope.rcptTo.map((recipient) => recipient.address.toLowerCase()),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
          });
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  const isTo = (mail: CaughtMail, address: string) => mail.to.includes(address.toLowerCase());

  return {
    smtpUrl: `smtp://127.0.0.1:${port}?ignoreTLS=true`,
    mails,
    async nextMailTo(address, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const mail = mails.find((candidate) => isTo(candidate, address) && !taken.has(candidate));
        if (mail) {
          taken.add(mail);
          return mail;
        }
        if (Date.now() > deadline) throw new Error(`no mail to ${address} arrived within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    countTo(address) {
      return mails.filter((mail) => isTo(mail, address)).length;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

/** The six-digit code of a member sign-in mail: "… sign-in code for <creator> is 123456." */
export const codeFromMail = (mail: CaughtMail): string => {
  const match = /sign-in code for .+ is (\d{6})\./.exec(mail.text);
  if (!match?.[1]) throw new Error(`no code in mail: ${mail.subject}`);
  return match[1];
};

/** The invitation token of an invitation mail, taken from its accept link. */
export const invitationTokenFromMail = (mail: CaughtMail): string => {
  const match = /accept-invitation\?token=(\S+)/.exec(mail.text);
  if (!match?.[1]) throw new Error(`no invitation link in mail: ${mail.subject}`);
  return decodeURIComponent(match[1]);
};
