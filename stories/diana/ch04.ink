// ───────────────────────── Chapter 4: The Night Garden (VIP) ─────────────────────────
=== chapter_4 ===
{ not vip(): -> vip_gate }
{t("Chapter 4 · The Night Garden", "Capítulo 4 · El jardín nocturno")} #chapter:4 #title
-> c4_01

=== c4_01 ===
{t("The silver chain slithers off the garden gate of its own accord and coils on the flagstones like a sleeping cat. Beyond the gate the garden is larger than the house could possibly hide: lawns gone silver, hedges gone wild, paths that fork and fork again.", "La cadena de plata se desliza sola de la verja del jardín y se enrosca en las losas como un gato dormido. Al otro lado, el jardín es más grande de lo que la casa podría esconder: praderas plateadas, setos asilvestrados, senderos que se bifurcan y vuelven a bifurcarse.")} #scene:4_01
{t("White flowers grow everywhere, closed tight. They open only where your shadow touches them, and close again when it passes, so that you leave behind you a brief white wake, like a boat.", "Por todas partes crecen flores blancas, bien cerradas. Solo se abren donde las toca tu sombra y vuelven a cerrarse cuando pasa, de modo que dejas detrás una breve estela blanca, como una barca.")}
+ [{t("Walk among the flowers", "Caminar entre las flores")} #emo:poet+1] -> c4_02
+ [{t("Map the paths in your head as you go", "Ir trazando un mapa de los senderos en la cabeza")} #emo:explorer+2] -> c4_01_map

=== c4_01_map ===
{t("The paths do not stay put. The one that led left a minute ago now leads right; the hedge you passed twice is the same hedge, or its twin. Only one thing holds still: whichever way you turn, the sound of the fountain is always ahead of you.", "Los senderos no se están quietos. El que hace un minuto iba a la izquierda ahora va a la derecha; el seto que has pasado dos veces es el mismo, o su gemelo. Solo una cosa no cambia: gires hacia donde gires, el rumor de la fuente siempre queda delante.")} #scene:4_01b
+ [{t("Follow the fountain", "Seguir el rumor de la fuente")}] -> c4_02

=== c4_02 ===
{t("In the middle of the garden there is a round stone fountain with a dry-mouthed lion at its centre, and water coming from nowhere you can see. On its rim sits a figure in a long grey coat, wearing a mask of hammered silver that covers everything but her mouth.", "En el centro del jardín hay una fuente redonda de piedra con un león de boca seca en medio, y agua que sale de algún sitio que no ves. En el borde hay una figura sentada con un abrigo gris largo y una máscara de plata batida que le cubre todo menos la boca.")} #scene:4_02
{t("You know the voice before she has finished the first word. Diana. Outside, in the open air, for the first time in a year.", "Reconoces la voz antes de que termine la primera palabra. Diana. Fuera, al aire libre, por primera vez en un año.")}
{t("“The garden does not count,” she says, reading your face. “It has walls. Lucien measured them. Come, sit, or stand; only do not stare. I have been stared at enough for several lives.”", "—El jardín no cuenta —dice, leyéndote la cara—. Tiene muros. Lucien los midió. Ven, siéntate, o quédate de pie; pero no me mires fijamente. Ya me han mirado bastante para varias vidas.")}
+ [{t("Sit beside her on the rim", "Sentarte a su lado en el borde")} #emo:empath+1]
    ~ closeness += 1
    -> c4_03
+ [{t("Stay standing, a little apart", "Quedarte de pie, a un paso de distancia")} #emo:persistent+1] -> c4_03

=== c4_03 ===
{t("“Here I wear a mask so that I can be honest,” she says. “It is easier to tell the truth with your face put away. So, a gift, for coming this far. Ask me one question. Only one. I will answer it truly, whatever it is.”", "—Aquí llevo máscara para poder ser sincera —dice—. Es más fácil decir la verdad con la cara guardada. Así que te hago un regalo, por haber llegado hasta aquí. Hazme una pregunta. Solo una. Te la contestaré con la verdad, sea cual sea.")} #scene:4_03
+ [{t("“Who took the portrait?”", "—¿Quién se llevó el retrato?")} #emo:direct+2 #branch:garden_question]
    ~ garden_question = "portrait"
    -> c4_04
+ [{t("“What are you afraid of?”", "—¿A qué le tienes miedo?")} #emo:empath+2 #branch:garden_question]
    ~ garden_question = "fear"
    -> c4_04
+ [{t("“How old are you?”", "—¿Cuántos años tienes?")} #emo:direct+1 #branch:garden_question]
    ~ garden_question = "age"
    -> c4_04
+ {arch_poet >= 0.35 || dominant == "poet"} [{t("Because you think in images: “What do you see when you look at me as a painter?”", "Como piensas en imágenes: —¿Qué ves cuando me miras con ojos de pintora?")} #sig:poet #emo:poet+2 #branch:garden_question]
    ~ garden_question = "paint"
    -> c4_04

=== c4_04 ===
{
- garden_question == "portrait":
    {t("“Someone who loves me,” she says. “I told you that already, behind the door. You want the name. I will not say it; it is not mine to say. But I will tell you where the name is written. It is buried in this garden, under the oldest tree.”", "—Alguien que me quiere —dice—. Eso ya te lo dije tras la puerta. Tú quieres el nombre. No lo diré: no me corresponde. Pero te diré dónde está escrito. Está enterrado en este jardín, bajo el árbol más viejo.")} #scene:4_04
- garden_question == "fear":
    {t("She is quiet long enough that the fountain seems to get louder. “Doors,” she says. “Not locked ones. Open ones. A locked door is a decision somebody else has made. An open door is a question, and I have to answer it with my whole body. I am afraid of having to choose, and of choosing wrong, and of there being nobody on the other side.”", "Se calla tanto rato que la fuente parece sonar más fuerte. —Las puertas —dice—. No las cerradas. Las abiertas. Una puerta cerrada es una decisión que ha tomado otro. Una puerta abierta es una pregunta, y tengo que responderla con todo el cuerpo. Me da miedo tener que elegir, y elegir mal, y que al otro lado no haya nadie.")} #scene:4_04
    {t("“Why I am afraid is buried here. Under the oldest tree. Dig, if you want to know me.”", "—El porqué está enterrado aquí. Bajo el árbol más viejo. Cava, si quieres conocerme.")}
    ~ closeness += 1
- garden_question == "paint":
    {t("She tilts her masked face and looks at you, properly, for the first time. “I see someone standing in a doorway,” she says slowly, “with a light behind them that they have not noticed. Deciding whether to come in. They have been deciding for a long time. Longer than this week.”", "Ladea la cara enmascarada y te mira, de verdad, por primera vez. —Veo a alguien en el umbral de una puerta —dice despacio—, con una luz detrás que no ha notado. Decidiendo si entrar. Lleva mucho tiempo decidiéndolo. Más que esta semana.")} #scene:4_04
    {t("“That is what I would paint. The light, mostly. And now go and dig under the oldest tree before I say anything else I mean.”", "—Eso es lo que pintaría. Sobre todo la luz. Y ahora ve a cavar bajo el árbol más viejo antes de que diga algo más que piense de verdad.")}
    ~ closeness += 2
- else:
    {t("The garden goes cold. Even the fountain seems to hold its water. “That,” Diana says, “is the one rule I asked Lucien to make. The only one.”", "El jardín se enfría. Hasta la fuente parece contener el agua. —Esa —dice Diana— es la única norma que le pedí a Lucien que pusiera. La única.")} #scene:4_04
    {t("“But I promised to answer truly. I am as old as the night I stopped going out, and one year older, and every day of that year weighs twice. There. You have your answer, and it cost you something. Lucien's answer to the rest is buried under the oldest tree. Go and find it.”", "—Pero prometí contestar con la verdad. Tengo los años que tenía la noche en que dejé de salir, y uno más, y cada día de ese año pesa el doble. Ya está. Tienes tu respuesta, y te ha costado algo. La respuesta de Lucien a todo lo demás está enterrada bajo el árbol más viejo. Ve a buscarla.")}
    ~ closeness -= 1
}
+ [{t("Go and find the oldest tree", "Ir a buscar el árbol más viejo")}] -> c4_05

=== c4_05 ===
{t("Three trees claim to be the oldest. A cedar, enormous, its lower branches propped on crutches of iron. A fig that has split the garden wall and gone on growing through it. And an olive, not tall, with a trunk like a rope twisted by two hands in opposite directions.", "Tres árboles aspiran a ser el más viejo. Un cedro enorme, con las ramas bajas apoyadas en muletas de hierro. Una higuera que ha partido el muro del jardín y ha seguido creciendo a través de él. Y un olivo, no muy alto, con el tronco como una cuerda retorcida por dos manos en sentidos contrarios.")} #scene:4_05
+ [{t("The cedar: the biggest must be the oldest", "El cedro: el más grande será el más viejo")} #emo:direct+1] -> c4_05_cedar
+ [{t("The olive", "El olivo")} #emo:poet+1] -> c4_06
+ [{t("Look for a gardener's ledger in the potting shed", "Buscar el cuaderno del jardinero en el cobertizo")} #emo:persistent+2] -> c4_05_ledger

=== c4_05_cedar ===
{t("You dig among the cedar's roots with a trowel from the shed until your hands ache. You find a horseshoe, a child's marble and a great deal of earth. When you straighten up, Diana is watching from the fountain. She points, without a word, at the olive.", "Cavas entre las raíces del cedro con un desplantador del cobertizo hasta que te duelen las manos. Encuentras una herradura, una canica y muchísima tierra. Cuando te incorporas, Diana te observa desde la fuente. Señala el olivo, sin decir nada.")} #scene:4_05b
+ [{t("Dig under the olive", "Cavar bajo el olivo")}] -> c4_06

=== c4_05_ledger ===
{t("The ledger is on a nail in the shed, its pages swollen with damp. The gardener, whoever he was, planted the cedar seventy years ago and the fig fifty. The olive he did not plant at all. Next to its name, in a different hand, someone has written: “Was here before the house. Will be here after.”", "El cuaderno cuelga de un clavo en el cobertizo, con las hojas hinchadas de humedad. El jardinero, quienquiera que fuese, plantó el cedro hace setenta años y la higuera hace cincuenta. El olivo no lo plantó. Junto a su nombre, con otra letra, alguien ha escrito: «Estaba aquí antes que la casa. Seguirá aquí después».")} #scene:4_05c
+ [{t("Dig under the olive", "Cavar bajo el olivo")}] -> c4_06

=== c4_06 ===
{t("Under the olive's roots, not deep, as though someone had wanted it found by the right person and not too late, lies a tin box of the kind biscuits used to come in. Inside, wrapped in oilcloth: a paintbrush with a handle worn pale by years of one particular grip, and on the handle, carved again, the letters L. M. V.", "Bajo las raíces del olivo, no muy hondo, como si alguien hubiera querido que lo encontrara la persona adecuada y no demasiado tarde, hay una caja de lata de las de galletas. Dentro, envuelto en hule: un pincel con el mango desgastado por años de agarrarlo siempre igual y, grabadas otra vez en él, las letras L. M. V.")} #scene:4_06
~ unlock("worn_brush")
+ [{t("Take it straight to Diana", "Llevárselo a Diana enseguida")} #emo:direct+1 #branch:brush]
    ~ brush = "shown"
    -> c4_06_shown
+ [{t("Keep it hidden, for now", "Guardarlo en secreto, por ahora")} #emo:persistent+1 #branch:brush]
    ~ brush = "hidden"
    -> c4_07
+ [{t("Wrap it up again; it belongs to whoever buried it", "Volver a envolverlo: es de quien lo enterró")} #emo:empath+2 #branch:brush]
    ~ brush = "lucien"
    ~ trust += 1
    -> c4_07

=== c4_06_shown ===
{t("Diana takes the brush from you without touching your hand. She turns it over once, twice, and her mouth under the mask does something complicated.", "Diana te coge el pincel sin rozarte la mano. Le da una vuelta, dos, y su boca, bajo la máscara, hace algo complicado.")} #scene:4_06b
{t("“I gave him this,” she says. “The first year. I told him a painter without a brush was just a man with opinions.” She gives it back. “Keep it. He will want to see who has it.”", "—Se lo regalé yo —dice—. El primer año. Le dije que un pintor sin pincel no es más que un señor con opiniones. —Te lo devuelve—. Quédatelo. Él querrá ver quién lo tiene.")}
~ closeness += 1
+ [{t("Look up", "Levantar la vista")}] -> c4_07

=== c4_07 ===
{t("Lucien is standing at the edge of the garden, where the lawn meets the gravel, with a lantern he has forgotten to light. He has seen the box. He has seen what is in your hands. And for the first time since you met him, he looks afraid: not of the house, not for Diana, but of you.", "Lucien está en el borde del jardín, donde el césped se junta con la grava, con un farol que se le ha olvidado encender. Ha visto la caja. Ha visto lo que tienes en las manos. Y por primera vez desde que lo conoces, parece tener miedo: no de la casa, ni por Diana, sino de ti.")} #scene:4_07
+ [{t("Go to him", "Ir hacia él")} #emo:empath+2]
    ~ trust += 1
    -> c4_08
+ [{t("Hold his gaze and wait", "Sostenerle la mirada y esperar")} #emo:direct+1] -> c4_08

=== c4_08 ===
{t("He does not ask for the brush. He does not ask anything about it at all. Instead, in a voice so level it must be costing him a great deal, he asks you something else.", "No te pide el pincel. No pregunta nada sobre él. En cambio, con una voz tan serena que debe de estar costándole mucho, te pregunta otra cosa.")} #scene:4_08
{t("“Tell me. If you found out that someone had lied, for a long time, to protect a person they loved, what would you do?”", "—Dime. Si descubrieras que alguien ha mentido, durante mucho tiempo, para proteger a una persona que quiere, ¿qué harías?")} #ask:protective_lie
+ [{t("(answer)", "(respuesta)")} #answer] -> c4_09
+ [{t("Refuse to answer", "Negarte a contestar")} #emo:persistent+1]
    ~ protective_lie_kind = "silent"
    -> c4_09

=== c4_09 ===
{ protective_lie_kind != "silent":
    ~ protective_lie_kind = answer_kind
    ~ protective_lie_polarity = answer_polarity
}
{t("Lucien takes your answer like a coin and turns it over in the dark.", "Lucien recibe tu respuesta como una moneda y le da la vuelta en la oscuridad.")} #scene:4_09
{
- protective_lie_kind == "silent":
    {t("“No answer,” he says. “Then you are wiser than I was. I answered that question for myself a year ago, quickly, and I have been living in the answer ever since.”", "—Sin respuesta —dice—. Entonces tienes más juicio que yo. Yo me contesté esa pregunta hace un año, deprisa, y desde entonces vivo dentro de la respuesta.")}
- protective_lie_kind == "question":
    {t("“You ask me back,” he says, with the ghost of a smile. “Fair. I would do it again. I would do it every night. That is the trouble with the answer: it does not get easier for being right.”", "—Me devuelves la pregunta —dice, con la sombra de una sonrisa—. Es justo. Yo volvería a hacerlo. Lo haría cada noche. Ese es el problema de la respuesta: no se vuelve más fácil por ser la correcta.")}
- protective_lie_kind == "short" || protective_lie_kind == "offtopic":
    {t("“{said(protective_lie_quote)},” he repeats, flatly. “I asked you something that has kept me awake for a year, and you hand me that. No. I will not take it. Think about it properly; I will ask again when you are ready to mean it.”", "—«{said(protective_lie_quote)}» —repite, sin expresión—. Te pregunto algo que me ha quitado el sueño un año entero y me das eso. No. No lo acepto. Piénsalo de verdad; volveré a preguntártelo cuando estés en condiciones de decirlo en serio.")}
    ~ trust -= 1
- answer_polarity == "negative" || answer_emotion == "anger":
    {t("He flinches, very slightly, as if you had raised a hand. “Yes,” he says. “That is what a fair person would say. I have been expecting someone to say it. I am almost relieved it was you.”", "Se encoge, muy poco, como si hubieras levantado la mano. —Sí —dice—. Es lo que diría una persona justa. Llevo tiempo esperando que alguien lo dijera. Casi me alivia que hayas sido tú.")}
- answer_polarity == "positive" || answer_emotion == "affection" || answer_emotion == "joy":
    ~ trust += 2
    {t("Something in his shoulders lets go that has been held for a very long time. “You would forgive it,” he says, not quite a question. “I did not expect that. I did not expect it from anyone, and least of all from myself.”", "Algo en sus hombros se suelta, algo que llevaba muchísimo tiempo en tensión. —Lo perdonarías —dice, no del todo como pregunta—. No me lo esperaba. No me lo esperaba de nadie, y de mí menos que de nadie.")}
- answer_polarity == "mixed":
    ~ trust += 1
    {t("“Both, then,” he says. “Understand it and not forgive it. Or forgive it and not understand. That is more honest than either. It is also exactly where I have been standing for a year.”", "—Las dos cosas, entonces —dice—. Entenderlo y no perdonarlo. O perdonarlo sin entenderlo. Eso es más sincero que cualquiera de las dos. Y es justo donde llevo un año.")}
- else:
    ~ trust += 1
    {t("“A careful answer,” he says. “You are weighing it. Good. It deserves weighing. Most people answer that question as if it were about somebody else.”", "—Una respuesta prudente —dice—. La estás sopesando. Bien. Lo merece. Casi todo el mundo contesta esa pregunta como si fuera sobre otra persona.")}
}
{t("“Come to the mirror room tomorrow,” he says. “At the top of the east stair. I will show you what I hid.”", "—Ven mañana a la sala de los espejos —dice—. Arriba de la escalera del este. Te enseñaré lo que escondí.")}
+ [{t("Nod", "Asentir")}] -> c4_10
+ [{t("“Why not tonight?”", "—¿Por qué no esta noche?")} #emo:direct+1] -> c4_09_tonight

=== c4_09_tonight ===
{t("“Because tonight my hands are shaking,” he says simply, and shows you: they are. “I would like to do this properly. I have done everything else in this house badly.”", "—Porque esta noche me tiemblan las manos —dice sin más, y te las enseña: tiemblan—. Me gustaría hacer esto bien. Todo lo demás en esta casa lo he hecho mal.")} #scene:4_09b
+ [{t("Let him go", "Dejar que se vaya")}] -> c4_10

=== c4_10 ===
{t("When you return to the fountain, Diana is standing, her coat buttoned, ready to go in.", "Cuando vuelves a la fuente, Diana está de pie, con el abrigo abrochado, a punto de entrar.")} #scene:4_10 #consequence:garden_question
{
- garden_question == "age":
    {t("“You asked the one thing,” she says, not angrily now, only tired. “I suppose someone had to, eventually. It is a relief, in a way, to have it over with. Do not do it again.”", "—Preguntaste justo eso —dice, ya sin enfado, solo con cansancio—. Supongo que alguien tenía que hacerlo algún día. En cierto modo es un alivio que ya haya pasado. No vuelvas a hacerlo.")}
- garden_question == "fear":
    {t("“I told you what I am afraid of,” she says. “I have not told Lucien that in a year. He thinks it is the city. It was never the city.”", "—Te he contado lo que me da miedo —dice—. En un año no se lo he dicho a Lucien. Él cree que es la ciudad. Nunca fue la ciudad.")}
- garden_question == "paint":
    {t("“You asked me to look at you as a painter,” she says. “I have not wanted to look at anyone that way in a year. My hands itched the whole time you were digging. Thank you for that.”", "—Me pediste que te mirara con ojos de pintora —dice—. Llevaba un año sin querer mirar así a nadie. Me han picado las manos todo el rato que estabas cavando. Gracias por eso.")}
- else:
    {t("“You asked who took it,” she says. “By now you have guessed. Be gentle with him tomorrow. He has been gentle with me for a year, and it has worn him very thin.”", "—Preguntaste quién se lo llevó —dice—. A estas alturas ya lo sabes. Sé amable con él mañana. Él lo ha sido conmigo un año entero, y se ha quedado en los huesos.")}
}
{t("She lifts the silver mask for the space of a heartbeat, too fast for you to see more than the line of a jaw and an eye that is laughing at you. “Goodnight,” she says. “You have more company in this house than you think.”", "Se levanta la máscara de plata lo que dura un latido, demasiado deprisa para ver más que la línea de una mandíbula y un ojo que se ríe de ti. —Buenas noches —dice—. En esta casa tienes más compañía de la que crees.")}
~ reward(20)
+ [{t("“Goodnight, Diana.”", "—Buenas noches, Diana.")}] -> chapter_5
