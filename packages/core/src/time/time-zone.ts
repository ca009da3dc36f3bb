/** True for an IANA time zone name this runtime knows ("Europe/Madrid"), false for anything else. */
export const isTimeZone = (value: string): boolean => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
};
