// The one list of audit actions in words: the console's audit log page (through GET /api/meta) and the closing
// report's history read their labels here.

export const AUDIT_ACTION_LABELS: Readonly<Record<string, string>> = {
  'meeting.create': '创建测评会议',
  'meeting.update': '修改测评会议',
  'meeting.delete': '删除测评会议',
  'meeting.subject.correct': '更正测评对象姓名/职务',
  'meeting.open': '开始测评',
  'meeting.reopen': '重新开启测评',
  'meeting.close': '结束测评',
  'meeting.attendance': '登记签到/谈话人数',
  'meeting.assessors': '分配考核组成员',
  'meeting.minimum': '调整最低参评人数',
  'meeting.closing-report': '生成结束报告',
  'slips.issue': '生成测评票',
  'slips.void': '作废测评票',
  'user.create': '创建用户',
  'user.update': '修改用户',
  'user.disable': '停用用户',
  'user.enable': '启用用户',
  'user.password': '修改密码',
  'user.password-reset': '重置密码',
  'auth.login': '登录',
  'auth.login-failed': '登录失败',
  'auth.logout': '退出登录',
  'security.clear-lockouts': '解除访问锁定',
  'auth.unlock': '解除登录锁定（命令行）',
  'assessment.round.create': '创建考核轮次',
  'assessment.units.add': '添加参加考核单位',
  'assessment.input.enter': '录入考核得分',
  'assessment.deduction.add': '录入扣分',
  'assessment.deduction.withdraw': '撤销扣分',
  'assessment.facts.set': '录入考核情况',
  'assessment.cadres.add': '添加班子成员',
  'assessment.cadre.edit': '修改班子成员',
  'assessment.meeting.link': '关联测评会议',
  'assessment.meeting.unlink': '取消关联测评会议',
  'assessment.party-building.link': '关联党建工作成效考核结果',
  'assessment.grade.record': '确定等次',
};

/** The label of an action; an action without one (added later, not yet named) shows as it is stored. */
export function auditActionLabel(action: string): string {
  return AUDIT_ACTION_LABELS[action] ?? action;
}
