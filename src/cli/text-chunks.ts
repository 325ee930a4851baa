// A report handed on in chunks of about the same size, as it is made.

/**
 * Characters a chunk holds before it is written. Chunks stay far under the size at which V8 puts
 * a string in its large-object space (128 KiB; a character takes two bytes once one is outside
 * Latin-1): there each string gets pages of its own and is freed only by a full collection. At
 * 150,000 objects, chunks of 2,048 lines (about 600 KiB each) made the text report take 1.0-1.3 s;
 * chunks of 16,384 characters, 0.3-0.4 s.
 */
export const CHUNK_CHARS = 16_384;

/** Pieces of text, written joined by `separator` (and ended by it) once they hold `chunkChars` characters. */
export class TextChunks {
  private pieces: string[] = [];
  private length = 0;

  constructor(
    private readonly write: (text: string) => void,
    private readonly chunkChars: number = CHUNK_CHARS,
    private readonly separator: string = '',
  ) {}

  public push(piece: string): void {
    this.pieces.push(piece);
    this.length += piece.length + this.separator.length;
    if (this.length >= this.chunkChars) this.flush();
  }

  /** Writes what is held, if anything. */
  public flush(): void {
    if (this.pieces.length === 0) return;
    this.write(this.pieces.join(this.separator) + this.separator);
    this.pieces = [];
    this.length = 0;
  }
}
