/** One stable color per channel across every chart, chosen to stay apart for common color-vision deficiencies. */
export const channelColors: Record<string, string> = {
  whatsapp: '#1a9e5c',
  telegram: '#2f7fd1',
  widget: '#6d4bd8',
  app: '#d9822b',
  websocket: '#0f9aa8',
  push: '#c2417a',
  email: '#7a8699',
};

const fallback = ['#4f46e5', '#b45309', '#0e7490', '#be123c', '#4d7c0f'];

export const colorForChannel = (channel: string, index: number): string =>
  channelColors[channel] ?? fallback[index % fallback.length]!;
