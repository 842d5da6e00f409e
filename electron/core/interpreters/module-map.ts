/**
 * The pip distribution that provides an importable module, for "Install missing packages" when a
 * plugin fails with `No module named '<module>'`. Only the names that differ from the module (or
 * its top-level package) are listed; anything else installs under the module's top-level name,
 * which pip normalises (`_`, `-`, `.` and case are equivalent).
 */
const DISTRIBUTIONS: Readonly<Record<string, string>> = {
  yaml: 'PyYAML',
  ruamel: 'ruamel.yaml',
  PIL: 'Pillow',
  cv2: 'opencv-python',
  sklearn: 'scikit-learn',
  skimage: 'scikit-image',
  bs4: 'beautifulsoup4',
  dateutil: 'python-dateutil',
  dotenv: 'python-dotenv',
  jwt: 'PyJWT',
  jose: 'python-jose',
  Crypto: 'pycryptodome',
  Cryptodome: 'pycryptodomex',
  OpenSSL: 'pyOpenSSL',
  nacl: 'PyNaCl',
  magic: 'python-magic',
  docx: 'python-docx',
  pptx: 'python-pptx',
  fitz: 'PyMuPDF',
  serial: 'pyserial',
  usb: 'pyusb',
  git: 'GitPython',
  github: 'PyGithub',
  gitlab: 'python-gitlab',
  jenkins: 'python-jenkins',
  telegram: 'python-telegram-bot',
  discord: 'discord.py',
  ldap: 'python-ldap',
  MySQLdb: 'mysqlclient',
  psycopg2: 'psycopg2-binary',
  zmq: 'pyzmq',
  kafka: 'kafka-python',
  consul: 'python-consul',
  socks: 'PySocks',
  dns: 'dnspython',
  websocket: 'websocket-client',
  multipart: 'python-multipart',
  attr: 'attrs',
  Levenshtein: 'python-Levenshtein',
  win32api: 'pywin32',
  win32con: 'pywin32',
  win32com: 'pywin32',
  pywintypes: 'pywin32',
  wx: 'wxPython',
  gi: 'PyGObject',
  grpc: 'grpcio',
  'google.protobuf': 'protobuf',
  'google.cloud.storage': 'google-cloud-storage',
  'google.cloud.pubsub': 'google-cloud-pubsub',
  'googleapiclient': 'google-api-python-client',
};

/** A safe module path: identifiers joined by dots. */
const MODULE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** The distribution to install for `module` (e.g. "yaml" → "PyYAML"), or null for a name that is not a module path. */
export function distributionFor(module: string): string | null {
  if (!MODULE.test(module)) return null;
  const parts = module.split('.');
  for (let n = parts.length; n > 0; n--) {
    const known = DISTRIBUTIONS[parts.slice(0, n).join('.')];
    if (known) return known;
  }
  return parts[0] ?? null;
}
