/** The playground's Slack wire format (signing, bodies), shared with the tests so both speak exactly as Slack does. */
export * from '../../playground/slack-wire';
