/**
 * `Sec-WebSocket-Extensions` parsing, exactly as `websocket` 1.0.35 exposes it in `request.requestedExtensions`.
 * Nothing is negotiated from it: it is information for the application.
 */

/** One `name[=value]` parameter of an extension offer. */
export interface ExtensionParam {
  /** The parameter name, lowercased. */
  name: string;
  /** The text after the first `=` up to the next `=`, lowercased and not unquoted; `undefined` without `=`. */
  value: string | undefined;
}

/** One extension offer: its name and its parameters in order. */
export interface ExtensionOffer {
  /** The extension token, lowercased. */
  name: string;
  /** Always present, possibly empty. */
  params: ExtensionParam[];
}

const OFFER_SEPARATOR = /,\s*/;
const PARAM_SEPARATOR = /;\s*/;

/**
 * Parses a header value such as `permessage-deflate; client_max_window_bits, x-foo; a=1`. The whole value is
 * lowercased first (`toLocaleLowerCase`), offers are split on `,` and parameters on `;` (each with the whitespace
 * that follows), and a parameter is cut at `=` with only the first two pieces kept, as 1.0.35 does. Quotes are
 * kept. An absent or empty header gives `[]`.
 */
export function parseExtensions(header: string | undefined): ExtensionOffer[] {
  if (!header) {
    return [];
  }
  return header
    .toLocaleLowerCase()
    .split(OFFER_SEPARATOR)
    .map((offer) => {
      const [name, ...rawParams] = offer.split(PARAM_SEPARATOR);
      const params = rawParams.map((rawParam): ExtensionParam => {
        const pieces = rawParam.split('=');
        return { name: pieces[0], value: pieces[1] };
      });
      return { name, params };
    });
}
