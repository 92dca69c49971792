// What the console shows about meetings in words (kinds, minimums, statuses, audit actions): read from the
// server's own rules, so that the screens and the reports never word a rule two ways.
import { isLoopbackUrl } from '../config.js';
import { AUDIT_ACTION_LABELS } from '../audit/index.js';
import { DEFAULT_MINIMUMS, INTERVIEW_MINIMUMS, MEETING_KIND_LABELS, MEETING_KINDS, MINIMUM_RULES, type MeetingKind } from '../domain/turnout.js';

/** A seed is named by its number on screen ("003"), never by its file name. */
const seedNumber = (text: string) => text.replace(/(\d{3})_[0-9a-f]{16}\.txt/g, '$1');

const INTERVIEW_RULES: Record<MeetingKind, string> = {
  // 003_43142c8fa1f20547.txt: 原则上村（社区）接触人数不得少于30人，部门站所接触全体干部职工
  village: '村个别谈话原则上不少于30人（003）',
  community: '社区个别谈话原则上不少于30人（003）',
  'township-dept': '部门站所接触全体干部职工（003）',
  // 000_a43cfffc0fe01c15.txt: 谈话人员不少于40人（县区）、不少于20人（市直单位）
  county: '县（区）个别谈话不少于40人（000）',
  'city-dept': '市直单位个别谈话不少于20人（000）',
  other: '无统一规定',
};

/**
 * The forms a kind of meeting usually uses, by the seed each comes from: 003_43142c8fa1f20547.txt (村（社区）、部门站所:
 * 党组织政治建设, 班子年度考核, 书记述党建; 村 also 后备干部推荐), 004_9ba8455c36f7d67d.txt (县管领导班子和领导干部),
 * 000_a43cfffc0fe01c15.txt (政治生态: 领导干部 and 机关干部 questionnaires) and 002_ef31b3aa8f1f181a.txt (基层党建述职评议).
 * A suggestion for the order of the picker only; any form may be chosen.
 */
const SUGGESTED_FORMS: Record<MeetingKind, string[]> = {
  village: ['village-political-construction', 'village-annual-review', 'village-secretary-report', 'village-reserve-nomination'],
  community: ['village-political-construction', 'village-annual-review', 'village-secretary-report', 'village-reserve-nomination'],
  'township-dept': ['village-political-construction', 'village-annual-review', 'village-secretary-report'],
  county: ['county-team-evaluation', 'county-cadre-evaluation', 'ecology-leader-questionnaire', 'ecology-staff-questionnaire', 'public-gain-survey'],
  'city-dept': ['ecology-leader-questionnaire', 'ecology-staff-questionnaire', 'unit-democratic-evaluation', 'secretary-debrief-review'],
  other: [],
};

export const MEETING_STATUS_LABELS = { draft: '未开始', open: '进行中', closed: '已结束' } as const;

export const SUBJECT_KIND_LABELS = { organisation: '党组织', team: '班子集体', person: '班子成员', candidate: '推荐人选（后备干部）' } as const;

/** `publicUrl`: the address printed slips point at, shown beside every print button. */
export function consoleMeta(publicUrl: string) {
  return {
    publicUrl,
    publicUrlIsLoopback: isLoopbackUrl(publicUrl),
    meetingKinds: MEETING_KINDS.map((kind) => ({
      kind,
      label: MEETING_KIND_LABELS[kind],
      minimum: kind === 'township-dept' || kind === 'other' ? null : DEFAULT_MINIMUMS[kind],
      minimumRule: seedNumber(MINIMUM_RULES[kind]),
      needsStaffCount: kind === 'township-dept',
      needsOwnMinimum: kind === 'other',
      interviewMinimum: kind === 'township-dept' || kind === 'other' ? null : INTERVIEW_MINIMUMS[kind],
      interviewRule: INTERVIEW_RULES[kind],
      suggestedFormIds: SUGGESTED_FORMS[kind],
    })),
    meetingStatuses: { ...MEETING_STATUS_LABELS },
    subjectKinds: Object.entries(SUBJECT_KIND_LABELS).map(([kind, label]) => ({ kind: kind as keyof typeof SUBJECT_KIND_LABELS, label })),
    auditActions: { ...AUDIT_ACTION_LABELS },
    categoryPresets: [
      // 002_ef31b3aa8f1f181a.txt: 领导自评和民主评议分别按 40%和 60%的权重
      {
        label: '领导自评 40% + 民主评议 60%（002）',
        categories: [
          { key: 'self', label: '领导自评', weight: 0.4 },
          { key: 'staff', label: '民主评议', weight: 0.6 },
        ],
      },
    ],
  };
}
