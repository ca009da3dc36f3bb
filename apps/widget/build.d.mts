/** Builds dist/widget.js, .gz and .br; rejects when the gzipped size is over budget. */
export declare const buildWidget: () => Promise<{ bytes: number; gzipBytes: number; brotliBytes: number }>;
