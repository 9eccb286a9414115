/**
 * Group commit: writes that arrive while `maxInFlight` statements are running wait for one of them
 * and then go together, as ONE statement, instead of one statement (and one commit) each. A lone
 * write on a quiet service goes at once; under load the batches form by themselves. Every caller
 * still gets its own outcome, and only after the statement that holds its write has committed.
 * `run` may answer an Error in an item's place: that caller alone gets it. Used by the callback
 * intake (rows and their processing job: the 200 still means "durably stored") and by order
 * changes (OrdersRepository.applyOptimistic).
 */
export class Batcher<In, Out> {
  private readonly queue: Array<{ item: In; resolve: (v: Out) => void; reject: (e: unknown) => void }> = [];
  private inFlight = 0;

  constructor(
    private readonly run: (items: In[]) => Promise<Array<Out | Error>>,
    private readonly opts: { maxBatch: number; maxInFlight: number },
  ) {}

  submit(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.opts.maxInFlight && this.queue.length) {
      const batch = this.take();
      this.inFlight += 1;
      this.run(batch.map((b) => b.item))
        .then(
          (outs) =>
            batch.forEach((b, i) => {
              const out = outs[i];
              if (out instanceof Error) b.reject(out);
              else b.resolve(out!);
            }),
          (err) => batch.forEach((b) => b.reject(err)),
        )
        .finally(() => {
          this.inFlight -= 1;
          this.pump();
        });
    }
  }

  private take(): typeof this.queue {
    return this.queue.splice(0, this.opts.maxBatch);
  }
}
