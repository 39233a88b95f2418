import { codeTable } from './types.js';

/** Codes owned by src/tor/control (control-port codec, client, authentication) and src/tor/launch. */
export const TOR_CONTROL_CODES = codeTable({
  VEIL_TOR_CONTROL_PROTOCOL: {
    category: 'local-daemon',
    summary: 'Tor sent a control-port reply that breaks the protocol (control-spec 2.3) or exceeds a size limit.',
    hint: 'check that the configured control port belongs to tor (not another service); run with VEIL_LOG=debug and report the quoted line if it does',
  },
  VEIL_TOR_CONTROL_ARGUMENT: {
    category: 'input',
    summary: 'A control-port command argument contains CR, LF, NUL or another character the command cannot carry.',
    hint: 'remove line breaks and control characters from the value (check veil.cfg values passed to tor)',
  },
  VEIL_TOR_CONTROL_CLOSED: {
    category: 'local-daemon',
    summary: 'The control-port connection closed before a command got its reply, or a command was sent after close().',
    hint: 'check that tor is still running (it may have exited or been restarted) and look at its log',
  },
  VEIL_TOR_CONTROL_REJECTED: {
    category: 'local-daemon',
    summary: 'Tor answered a control-port command with an error status (4xx/5xx, control-spec 4).',
    hint: 'check that the tor version supports the command (tor 0.4.8 or newer) and read the quoted reply',
  },
  VEIL_TOR_AUTH_COOKIE_UNREADABLE: {
    category: 'local-daemon',
    summary: 'The Tor control auth cookie file could not be read, or does not have 32 bytes.',
    hint: 'add your user to the debian-tor group (`sudo adduser $USER debian-tor`, then log in again) or set [tor] control.port to a tor you own',
  },
  VEIL_TOR_AUTH_COOKIE: {
    category: 'local-daemon',
    summary: 'Tor rejected the control auth cookie, or its SAFECOOKIE server hash did not match the cookie.',
    hint: 'the cookie file does not belong to the tor behind this control port: check [tor] control.port and that tor was not restarted with another DataDirectory',
  },
  VEIL_TOR_AUTH_PASSWORD: {
    category: 'config',
    summary: 'Tor requires a control password (HashedControlPassword) and none was given, or it was wrong.',
    hint: 'set the control password Veil should use, matching the HashedControlPassword in your torrc',
  },
  VEIL_TOR_AUTH_UNSUPPORTED: {
    category: 'local-daemon',
    summary: 'None of the authentication methods tor offers (PROTOCOLINFO AUTH METHODS) can be used by Veil.',
    hint: 'enable CookieAuthentication 1 (preferred) or HashedControlPassword in your torrc',
  },
  VEIL_TOR_LAUNCH_UNSAFE: {
    category: 'config',
    summary: 'launchTor was asked to start a tor that could reach the public Tor network without explicit permission.',
    hint: 'pass disableNetwork, the DirAuthority and TestingTorNetwork lines of a private network, or allowPublicNetwork for a production node',
  },
  VEIL_TOR_LAUNCH_NOT_FOUND: {
    category: 'local-daemon',
    summary: 'The tor executable could not be started (missing or not executable).',
    hint: 'install tor (`sudo apt install tor`) or set [tor] tor.executable to its path',
  },
  VEIL_TOR_LAUNCH_FAILED: {
    category: 'local-daemon',
    summary: 'A tor launched by Veil exited or failed before its control port was ready.',
    hint: 'read the tor output quoted in the message and the notice log in the tor data directory',
  },
});
