// A meeting's turnout in words, for the list and the meeting page. Below the minimum is "无效" only once the poll
// is closed; before that it is what is still missing, so that a new meeting never reads as void.

/** { text, tone } with tone 'ok' | 'warn' | 'bad' | 'muted'. */
export function turnoutState(m, t) {
  if (!t) return { text: '—', tone: 'muted' };
  const min = t.minRespondents;
  if (m.status === 'draft') {
    if (min !== null && t.signedIn !== null && t.signedIn < min) return { text: `签到 ${t.signedIn} 人，少于最低 ${min} 人`, tone: 'warn' };
    return { text: t.signedIn !== null ? `未开始 · 签到 ${t.signedIn} 人` : '未开始', tone: 'muted' };
  }
  if (m.status === 'open') {
    const cast = `${t.coarsened ? '已投至少' : '已投'} ${t.ballotsCast} 人`;
    if (min === null) return { text: `${cast}，尚未确定最低人数`, tone: 'warn' };
    if (t.allSignedInVoted) return { text: `全部签到人员已投票${t.meetsMinimum ? '' : `，但少于最低 ${min} 人`}`, tone: t.meetsMinimum ? 'ok' : 'warn' };
    return t.meetsMinimum ? { text: `${cast}，已达最低 ${min} 人`, tone: 'ok' } : { text: `${cast}，最低 ${min} 人`, tone: 'muted' };
  }
  if (min === null) return { text: `参评 ${t.ballotsCast} 人 · 未确定最低人数`, tone: 'warn' };
  if (!t.meetsMinimum) return { text: `无效：参评 ${t.ballotsCast} 人，少于最低 ${min} 人`, tone: 'bad' };
  const red = (t.flags || []).some((f) => f.code === 'BALLOTS_EXCEED_SIGNED_IN' || f.code === 'BALLOTS_EXCEED_SLIPS');
  return red ? { text: `参评 ${t.ballotsCast} 人 · 须核查`, tone: 'bad' } : { text: `有效：参评 ${t.ballotsCast} 人（最低 ${min} 人）`, tone: 'ok' };
}

/**
 * The turnout flags to show: before the close, "below the minimum" is not yet a verdict (the line above the flags
 * says what is still missing), so its 无效 flag waits for the close.
 */
export function flagsForStatus(status, t) {
  return (t.flags || []).filter((f) => !(f.code === 'BELOW_MINIMUM' && status !== 'closed'));
}
