// Facts an admin records about one cadre (seed 004 and seed 001 第十七条). Pure, no imports:
// the database schema takes its column enums from here.

/**
 * 挂职 (seed 004_9ba8455c36f7d67d.txt: "中央、省、市下派的挂职干部年度考核在所挂职乡镇进行,评为优秀的不占挂职单位20%的
 * 优秀指标……县级下派挂职干部,工作满6个月的纳入乡镇考核,占挂职乡镇20%优秀指标,工作不满6个月的在原单位考核").
 */
export const SECONDMENTS = ['none', 'from-above', 'county-6plus', 'county-under6'] as const;
export type Secondment = (typeof SECONDMENTS)[number];

/** 党委（党组）书记 and 分管党建工作的副职 (seed 001_98ca728807ffae1b.txt 第十七条). */
export const PARTY_ROLES = ['none', 'secretary', 'party-building-deputy'] as const;
export type PartyRole = (typeof PARTY_ROLES)[number];
