// Counts per 32-bit key in typed arrays (open addressing, linear probing). Counting a day's
// IPv4 addresses for `top --by ip` meant hundreds of thousands of Map entries with keys above
// 2^31, each a heap number: this keeps them out of the garbage collector's way.

export class KeyCounter {
  #keys = new Uint32Array(1024);
  #counts = new Uint32Array(1024);
  #used = new Uint8Array(1024);
  #size = 0;

  get size(): number {
    return this.#size;
  }

  add(key: number, n: number): void {
    const mask = this.#keys.length - 1;
    let i = (Math.imul(key, 0x9e3779b1) >>> 0) & mask;
    while (this.#used[i] === 1) {
      if (this.#keys[i] === key) {
        this.#counts[i] = (this.#counts[i] as number) + n;
        return;
      }
      i = (i + 1) & mask;
    }
    this.#used[i] = 1;
    this.#keys[i] = key;
    this.#counts[i] = n;
    if (++this.#size * 2 > this.#keys.length) this.#grow();
  }

  #grow(): void {
    const keys = this.#keys;
    const counts = this.#counts;
    const used = this.#used;
    const cap = keys.length * 2;
    this.#keys = new Uint32Array(cap);
    this.#counts = new Uint32Array(cap);
    this.#used = new Uint8Array(cap);
    this.#size = 0;
    for (let i = 0; i < keys.length; i++) if (used[i] === 1) this.add(keys[i] as number, counts[i] as number);
  }

  /** Every key with its count, in no particular order. */
  *entries(): Generator<[number, number]> {
    for (let i = 0; i < this.#keys.length; i++)
      if (this.#used[i] === 1) yield [this.#keys[i] as number, this.#counts[i] as number];
  }
}
