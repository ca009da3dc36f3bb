import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { zxcvbn, zxcvbnOptions } from '@zxcvbn-ts/core';
import * as commonPackage from '@zxcvbn-ts/language-common';
import * as englishPackage from '@zxcvbn-ts/language-en';

// OWASP Password Storage Cheat Sheet, Argon2id: m=19 MiB, t=2, p=1. @node-rs/argon2 defaults to Argon2id.
const argon2Options = { memoryCost: 19456, timeCost: 2, parallelism: 1, outputLen: 32 } as const;

export const minimumPasswordLength = 10;

zxcvbnOptions.setOptions({
  translations: englishPackage.translations,
  graphs: commonPackage.adjacencyGraphs,
  dictionary: { ...commonPackage.dictionary, ...englishPackage.dictionary },
});

export type PasswordAssessment = { isStrongEnough: boolean; reasons: string[] };

export const createPasswordService = () => {
  // Verifying against this when an email is unknown makes login take the same time either way.
  const dummyHash = hash(randomBytes(16).toString('hex'), argon2Options);
  return {
    hash(password: string): Promise<string> {
      return hash(password, argon2Options);
    },
    async verify(passwordHash: string, password: string): Promise<boolean> {
      try {
        return await verify(passwordHash, password);
      } catch {
        return false;
      }
    },
    async verifyAgainstDummy(password: string): Promise<false> {
      await verify(await dummyHash, password).catch(() => false);
      return false;
    },
    /** Length plus zxcvbn's guessability score, with the user's own email and name as known words. */
    assess(password: string, userInputs: string[]): PasswordAssessment {
      const reasons: string[] = [];
      if (password.length < minimumPasswordLength)
        reasons.push(`Use at least ${minimumPasswordLength} characters.`);
      const result = zxcvbn(
        password.slice(0, 128),
        userInputs.flatMap((input) => input.toLowerCase().split(/[@.\s]+/)).filter(Boolean),
      );
      if (result.score < 3) {
        if (result.feedback.warning) reasons.push(result.feedback.warning);
        reasons.push(...result.feedback.suggestions);
        if (reasons.length === 0 || (reasons.length === 1 && password.length < minimumPasswordLength)) {
          reasons.push(
            'This password is easy to guess. Add more words or characters that are not common patterns.',
          );
        }
      }
      return { isStrongEnough: reasons.length === 0, reasons: [...new Set(reasons)] };
    },
  };
};

export type PasswordService = ReturnType<typeof createPasswordService>;
