// Passwords too common to allow for an admin or an assessor, whatever their length: the lists that guessers try
// first (English and Chinese keyboard habits, pinyin, dates, 520/1314 love numbers). A password is refused when it
// is on the list, or is one of them with digits or symbols added, or is little more than the username, or uses
// three distinct characters or fewer. Length alone (12 characters) is checked by the schema.
const COMMON = `
password passw0rd p@ssw0rd p@ssword passwort motdepasse admin administrator root superuser manager
qwerty qwertyuiop qwertyui asdfgh asdfghjkl zxcvbn zxcvbnm qazwsx 1qaz2wsx 1q2w3e4r 1q2w3e4r5t zaq12wsx
qweasd qweasdzxc asdasd asdqwe abcdef abcdefg abcdefgh abcd1234 abc123 abc12345 abc123456 aa123456 a123456
a12345678 qq123456 woaini woaini1314 woaini520 iloveyou iloveu loveyou 5201314 1314520 520520 521521
123456 1234567 12345678 123456789 1234567890 0123456789 987654321 111111 000000 666666 888888 123123 112233
121212 654321 147258 147258369 159357 159753 123qwe 123abc qwe123 asd123 zxc123 aaa111 a1b2c3 abcabc
welcome welcome1 letmein monkey dragon master shadow sunshine princess football baseball superman batman
trustno1 whatever freedom hello hello123 changeme default guest test test123 testing secret secret123
zhongguo china beijing shanghai shenzhen guangzhou tianjin chongqing zhangsan lisi wangwu xiaoming
nihao wodemima mima mimamima mima123 zuzhibu kaohe ceping minzhuceping danganhe dangjian dangyuan
gongzuo bangong diannao huawei xiaomi baidu tencent alibaba weixin wechat qqqqqq
`
  .split(/\s+/)
  .filter(Boolean);

const LIST = new Set(COMMON);

/** Why a password is too weak, in Chinese, or null when it is fine. */
export function weakPasswordReason(password: string, username?: string): string | null {
  const lower = password.toLowerCase();
  const core = lower.replace(/^[^a-z]+|[^a-z]+$/g, '');
  if (LIST.has(lower) || (core.length > 0 && LIST.has(core)) || LIST.has(lower.replace(/[^a-z0-9]/g, ''))) return '密码过于常见，容易被猜中，请换一个';
  if (new Set(lower).size <= 3) return '密码重复字符过多，请换一个';
  if (/^\d+$/.test(password)) return '密码不能全是数字';
  if (username && username.length >= 3 && lower.includes(username.toLowerCase()) && lower.length - username.length < 8) return '密码不能以用户名为主体';
  return null;
}
