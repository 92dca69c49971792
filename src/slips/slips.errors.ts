// The slips module's errors: one code, one Chinese message.
import { AppError } from '../shared/errors.js';

export const slipsErrors = {
  /** A print whose QR codes phones could not open: PUBLIC_URL names this machine (config.isLoopbackUrl). */
  publicUrlLoopback: (publicUrl: string) =>
    new AppError(
      409,
      'PUBLIC_URL_LOOPBACK',
      `测评票上的二维码将指向 ${publicUrl}，这是服务器本机的地址，参会人员的手机无法打开。请设置 PUBLIC_URL（例如 http://会场电脑的局域网地址:3000，或 https://正式域名）后重新启动服务；如确认只在本机试用，可确认后继续打印。`,
      { publicUrl },
    ),
};

/** Refuses a print to a loopback PUBLIC_URL unless the request names that address (the user confirmed it). */
export function assertPrintable(publicUrl: string, loopback: boolean, confirmed: string | undefined): void {
  if (loopback && confirmed !== publicUrl) throw slipsErrors.publicUrlLoopback(publicUrl);
}
