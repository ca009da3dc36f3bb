import type { FastifyBaseLogger } from 'fastify';
import nodemailer from 'nodemailer';

export type Mail = { to: string; subject: string; text: string };

export type Mailer = {
  isConfigured: boolean;
  send(mail: Mail, options?: { devNote?: string }): Promise<void>;
};

/**
 * SMTP through nodemailer when SMTP_URL is set. Without it (the embedded default) nothing can be mailed, so
 * the message is written to the server log with a warning saying so: a developer can still sign in.
 */
export const createMailer = (deps: { smtpUrl?: string; from: string; logger: FastifyBaseLogger }): Mailer => {
  if (!deps.smtpUrl) {
    return {
      isConfigured: false,
      async send(mail, options) {
        deps.logger.warn(
          { mailTo: mail.to, subject: mail.subject, body: mail.text },
          `No mail server is configured (SMTP_URL is unset): this email was NOT sent. ${options?.devNote ?? ''}`.trim(),
        );
      },
    };
  }
  const transport = nodemailer.createTransport(deps.smtpUrl, { from: deps.from });
  return {
    isConfigured: true,
    async send(mail) {
      await transport.sendMail({ from: deps.from, to: mail.to, subject: mail.subject, text: mail.text });
    },
  };
};
