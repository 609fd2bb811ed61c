// What building an alert channel needs besides its spec (see core/component.ts).

export interface ChannelContext {
  /** The channel's name in `alerts.channels`. */
  name: string;
  now: () => number;
}
