// The meetings module's errors: one code, one Chinese message.
import { AppError, conflict, notFound, unprocessable } from '../shared/errors.js';

export const meetingErrors = {
  notFound: () => notFound('测评会议', 'MEETING_NOT_FOUND'),
  /**
   * Voting, keying in or closing when the poll is not open. The details say which (not yet, or over) and, for the
   * voter's waiting page, may name the meeting: what the slip and the hall's screen show anyway.
   */
  notOpen: (status: string, meeting?: { title: string; unit: string }) =>
    new AppError(409, 'MEETING_NOT_OPEN', '测评不在进行中（尚未开始或已经结束）', { status: status === 'closed' ? 'closed' : 'draft', ...(meeting ? { meeting } : {}) }),
  alreadyOpen: () => conflict('MEETING_ALREADY_OPEN', '测评已经开始'),
  closed: (what: string) => conflict('MEETING_CLOSED', `测评已结束，${what}须先重新开启测评（并写明理由）`),
  invalid: (problems: string[]) => unprocessable('INVALID_MEETING', problems.join('；'), problems),
  unknownAssessor: (id: string) => unprocessable('UNKNOWN_ASSESSOR', `考核组成员 ${id} 不存在`),
  notDraft: () =>
    conflict('MEETING_NOT_DRAFT', '测评已经开始，会议不能再修改或删除；测评对象姓名、职务的错字可单独更正（须写明理由）'),
  slipsIssued: (what: string) => conflict('SLIPS_ISSUED', `已经生成测评票，不能再${what}（已发出的票与测评表须一致）`),
  linkedToRound: () => conflict('MEETING_LINKED', '该会议已关联到考核轮次，须先在考核轮次中取消关联才能删除'),
  subjectNotFound: () => notFound('测评对象', 'SUBJECT_NOT_FOUND'),
  nothingToCorrect: () => unprocessable('NOTHING_TO_CHANGE', '姓名和职务都没有变化'),
  formMissing: (id: string) => new AppError(500, 'FORM_MISSING', `测评表 ${id} 已不在表单目录中`),
  reopenAfterPublication: () =>
    new AppError(
      403,
      'FORBIDDEN',
      '结果已经公布，重新开启须由管理员操作并写明理由：补投的选票不足 5 张时新结果暂不公布，以免与已公布的结果相比较暴露补投人员的选票内容。',
    ),
};
