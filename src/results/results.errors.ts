// The results module's errors: one code, one Chinese message.
import { conflict } from '../shared/errors.js';

export const resultsErrors = {
  /** Results and exports wait for the close: two reads a moment apart would show how the ballot in between voted. */
  meetingOpen: () => conflict('MEETING_OPEN', '测评进行中，为保护投票人匿名（前后两次查看相比较会暴露新投选票的内容），请结束测评后再查看结果和导出'),
};
