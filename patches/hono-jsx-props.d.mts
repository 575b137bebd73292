// Types for the patch script (plain JavaScript: npm runs it before any TypeScript tooling is installed).
export declare const MARKER: string;
export declare const FILES: readonly string[];
/** The patched text, the same text when already patched, or null when the text is not the one the patch knows. */
export declare function patchText(text: string): string | null;
