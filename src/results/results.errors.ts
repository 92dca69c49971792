// The results module's errors: one code, one Chinese message.
import { MIN_GROUP_SIZE } from '../domain/group-size.js';
import { AppError, conflict } from '../shared/errors.js';

export const resultsErrors = {
  /** Results and exports wait for the close: two reads a moment apart would show how the ballot in between voted. */
  meetingOpen: () => conflict('MEETING_OPEN', '测评进行中，为保护投票人匿名（前后两次查看相比较会暴露新投选票的内容），请结束测评后再查看结果和导出'),
  /** A publication that would differ from the last by fewer than MIN_GROUP_SIZE ballots (admitPublication). */
  withheld: (late: number) =>
    new AppError(
      409,
      'PUBLICATION_WITHHELD',
      `重新开启后补投了 ${late} 张选票，不足 ${MIN_GROUP_SIZE} 张。为保护补投人员的匿名（与此前公布的结果相比较会暴露其选票内容），新的结果暂不公布：补投的选票已保存并计入参评人数，待累计达到 ${MIN_GROUP_SIZE} 张后（再次开启测评补投）一并公布；此前公布的结果见上一份结束报告。`,
      { late, minimum: MIN_GROUP_SIZE },
    ),
};
