// The documents the rules come from, as users know them: by their own titles. Seed file names stay in code,
// tests and the API (`seed` fields); screens, reports and exports show the title. Pure.

/** The title of each seed document, taken from its first lines. */
export const SEED_DOCUMENTS: Readonly<Record<string, string>> = {
  '000_a43cfffc0fe01c15.txt': '《20XX年度政治生态建设成效考核工作方案》',
  '001_98ca728807ffae1b.txt': '《市党建工作成效考核办法》',
  // The seed's first line reads 基层党建工作考核实施方案范文 ("a sample text of"); the document is the 方案.
  '002_ef31b3aa8f1f181a.txt': '《基层党建工作考核实施方案》',
  '003_43142c8fa1f20547.txt': '《关于做好2020年度村（社区）、部门站所党组织政治建设考察暨班子年度考核工作的通知》',
  '004_9ba8455c36f7d67d.txt': '《关于做好2019年度县管领导班子和领导干部考核工作的方案》',
};

/** The title users see for a seed file; an unknown file is not named at all. */
export function documentTitle(seed: string): string {
  return SEED_DOCUMENTS[seed] ?? '考核方案所依据的文件';
}
